package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.GrantTable;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;

/**
 * Grant tables through the kit's {@code grants} program with the test as Domain-0: the guest
 * grants pages, Domain-0 maps, reads and writes them, copies both ways, and every refusal has
 * Xen's GNTST_ status; the guest checks the hypervisor's side (flags, the PV operations it makes
 * itself) and ends with RESULT: PASS.
 */
class GrantTableTest {

    static Domain grants(Vmm vmm, String name, String mode) throws Exception {
        int id = vmm.list().stream().mapToInt(Domain::id).max().orElse(0) + 1; // ids are handed out in order
        Domain d = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "grants"))
                .memoryMiB(8).cmdline("domid=" + id + " mode=" + mode).build());
        assertEquals(id, d.id(), "the id the guest was told");
        return d;
    }

    static Matcher await(Domain d, String regex) throws InterruptedException {
        Matcher m = Pattern.compile(regex).matcher("");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!m.reset(d.consoleOutput()).find()) {
            assertTrue(System.nanoTime() < end, "no '" + regex + "' from " + d.name() + ":\n" + d.consoleOutput());
            assertFalse(d.consoleOutput().contains("RESULT: FAIL"), d.consoleOutput());
            Thread.sleep(2);
        }
        return m;
    }

    static byte pattern(int seed, int i) {
        return (byte) (seed + i * 7);
    }

    static int status(Executable e) {
        return assertThrows(GrantException.class, e::run).status();
    }

    interface Executable {
        void run() throws Exception;
    }

    @Test
    void domain0MapsReadsWritesAndCopiesAGuestsGrants() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            long free = vmm.freeFrames();
            Domain g = grants(vmm, "g", "dom0");
            Matcher ready = await(g, "grants: ready port=(\\d+) rw=(\\d+) ro=(\\d+)");
            int guestPort = Integer.parseInt(ready.group(1));
            int rw = Integer.parseInt(ready.group(2));
            int ro = Integer.parseInt(ready.group(3));
            GrantTables gt = vmm.grantTables();
            Semaphore events = new Semaphore(0);
            EventPort port = vmm.eventChannels().bindInterdomain(g.id(), guestPort, p -> events.release());
            assertTrue(events.tryAcquire(10, TimeUnit.SECONDS)); // pending at bind time

            // refusals with Xen's statuses, before anything is mapped
            assertEquals(GrantTable.GNTST_GENERAL_ERROR, status(() -> gt.map(g.id(), ro, false)), "read-only grant mapped writable");
            assertEquals(GrantTable.GNTST_GENERAL_ERROR, status(() -> gt.map(g.id(), 7, true)), "an entry not granted");
            assertEquals(GrantTable.GNTST_BAD_GNTREF, status(() -> gt.map(g.id(), 512, true)), "ref beyond the table");
            assertEquals(GrantTable.GNTST_BAD_GNTREF, status(() -> gt.map(g.id(), -1, true)), "negative ref");
            assertEquals(GrantTable.GNTST_BAD_DOMAIN, status(() -> gt.map(99, rw, true)), "no such domain");
            assertEquals(GrantTable.GNTST_BAD_COPY_ARG, status(() -> gt.copyFrom(g.id(), rw, 4000, new byte[200], 0, 200)),
                    "copy crossing the page");
            assertEquals(GrantTable.GNTST_GENERAL_ERROR, status(() -> gt.copyTo(g.id(), ro, 0, new byte[8], 0, 8)),
                    "copy into a read-only grant");
            ByteBuffer crossing = ByteBuffer.allocateDirect(200);
            assertEquals(GrantTable.GNTST_BAD_COPY_ARG, status(() -> gt.copyFrom(g.id(), rw, 4000, crossing)),
                    "copy into a buffer crossing the page");
            assertEquals(0, crossing.position(), "nothing moved");
            assertEquals(GrantTable.GNTST_GENERAL_ERROR, status(() -> gt.copyTo(g.id(), ro, 0, ByteBuffer.allocateDirect(8))),
                    "copy from a buffer into a read-only grant");

            GrantMapping a = gt.map(g.id(), rw, false);
            GrantMapping b = gt.map(g.id(), ro, true);
            assertEquals(2, vmm.dom0GrantMappings());
            PageView pa = a.page(), pb = b.page();
            assertTrue(pa.writable());
            assertFalse(pb.writable());
            for (int i = 0; i < PageView.SIZE; i++) {
                assertEquals(pattern(1, i), (byte) pa.getByte(i), "page A byte " + i);
                assertEquals(pattern(0x5a, i), (byte) pb.getByte(i), "page B byte " + i);
            }
            assertThrows(IllegalStateException.class, () -> pb.putInt(0, 1), "a read-only mapping refuses writes");
            // the bulk copies to and from (direct) buffers: a view's, then grant copy's below
            ByteBuffer whole = ByteBuffer.allocateDirect(PageView.SIZE + 8).position(8);
            pb.get(0, whole);
            assertEquals(PageView.SIZE + 8, whole.position(), "the buffer advanced by the page");
            for (int i = 0; i < PageView.SIZE; i++) assertEquals(pattern(0x5a, i), whole.get(8 + i), "page B byte " + i + " in a buffer");
            assertThrows(IndexOutOfBoundsException.class, () -> pa.get(4000, ByteBuffer.allocateDirect(200)), "past the page");
            assertThrows(IllegalStateException.class, () -> pb.put(0, ByteBuffer.allocateDirect(4)), "a read-only mapping refuses a buffer");
            ByteBuffer dom0 = ByteBuffer.allocateDirect(4).put("DOM0".getBytes(StandardCharsets.US_ASCII)).flip();
            pa.put(0, dom0); // what the guest checks next
            assertEquals(0, dom0.remaining());
            port.send(); // phase 1: the guest checks the flags and our write, writes GUEST, revokes ref 9
            assertTrue(events.tryAcquire(60, TimeUnit.SECONDS), g.consoleOutput());
            byte[] guest = new byte[5];
            pa.get(100, guest, 0, 5);
            assertEquals("GUEST", new String(guest, StandardCharsets.US_ASCII));
            assertEquals(pattern(0x5a, 17), (byte) pb.getByte(17), "a revoked grant stays mapped until unmapped");

            a.unmap();
            b.unmap();
            assertEquals(GrantTable.GNTST_BAD_HANDLE, status(a::unmap), "unmapping twice");
            assertThrows(IllegalStateException.class, a::page, "no view after unmap");
            assertThrows(IllegalStateException.class, () -> pa.getInt(0), "the old view is dead");
            assertThrows(IllegalStateException.class, () -> pa.get(0, ByteBuffer.allocateDirect(4)), "for buffers too");
            assertEquals(0, vmm.dom0GrantMappings());
            assertEquals(GrantTable.GNTST_GENERAL_ERROR, status(() -> gt.map(g.id(), ro, true)), "revoked: no new mapping");

            byte[] a2 = new byte[PageView.SIZE];
            gt.copyFrom(g.id(), rw, 0, a2, 0, PageView.SIZE);
            assertEquals("DOM0", new String(a2, 0, 4, StandardCharsets.US_ASCII));
            ByteBuffer a3 = ByteBuffer.allocateDirect(PageView.SIZE);
            gt.copyFrom(g.id(), rw, 0, a3);
            assertEquals(PageView.SIZE, a3.position());
            assertEquals(ByteBuffer.wrap(a2), a3.flip(), "a copy into a buffer sees what a copy into an array does");
            byte[] in = new byte[2048];
            for (int i = 0; i < in.length; i++) in[i] = (byte) (0xc3 ^ (2048 + i));
            gt.copyTo(g.id(), rw, 2048, in, 0, 1024);
            ByteBuffer rest = ByteBuffer.allocateDirect(1024).put(in, 1024, 1024).flip();
            gt.copyTo(g.id(), rw, 3072, rest); // the guest checks all 2048 bytes
            assertEquals(0, rest.remaining());
            port.send(); // phase 2: the guest checks the flags and our copy, ends access
            assertTrue(events.tryAcquire(60, TimeUnit.SECONDS), g.consoleOutput());

            assertTrue(g.awaitShutdown(120, TimeUnit.SECONDS), g.consoleOutput());
            assertTrue(g.consoleOutput().contains("RESULT: PASS"), g.consoleOutput() + "\n" + String.join("\n", vmm.dmesg()));
            assertEquals(ShutdownReason.POWEROFF, g.shutdownReason().orElseThrow());
            assertEquals(GrantTable.GNTST_GENERAL_ERROR, status(() -> gt.map(g.id(), rw, true)), "access ended");
            vmm.destroy(g.id());
            port.close();
            assertEquals(GrantTable.GNTST_BAD_DOMAIN, status(() -> gt.map(g.id(), rw, true)), "a destroyed domain");
            assertEquals(free, vmm.freeFrames(), "every frame back, the grant table's and the transferred one's too");
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
