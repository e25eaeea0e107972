package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.guests.GuestImages;
import org.oxen.guests.GuestImages.Flavor;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.HypervisorLog;
import org.oxen.vmm.api.MachineMemory;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;

/**
 * The backend API's {@link GrantTables} as a Java backend in the real framework gets it (a DS
 * service of the VMM core): the kit's {@code grants} guest grants two pages to Domain-0; the
 * test maps them, reads and writes them, copies both ways over the same services a backend
 * uses (with {@link Dom0EventChannels} for the handshake), and the guest ends with RESULT: PASS.
 */
class GrantTablesServiceTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    Domains domains;

    @InjectService(timeout = 10_000)
    GrantTables grants;

    @InjectService(timeout = 10_000)
    Dom0EventChannels events;

    @InjectService(timeout = 10_000)
    MachineMemory memory;

    @InjectService(timeout = 10_000)
    HypervisorLog log;

    static int status(Class<GrantException> c, org.junit.jupiter.api.function.Executable e) {
        return assertThrows(c, e).status();
    }

    @Test
    void domain0MapsAndCopiesAGuestsGrantsThroughTheService() throws Exception {
        ServiceReference<GrantTables> sr = context.getServiceReference(GrantTables.class);
        assertEquals("org.oxen.vmm.core", sr.getBundle().getSymbolicName(), "the VMM core provides GrantTables");

        long free = memory.freeFrames();
        mapsAndCopies(domains.create(grantsGuest()));
        assertEquals(free, memory.freeFrames(), "frames leaked");
        assertEquals(0, log.internalErrors());
    }

    /**
     * The same with the console backend connecting only after the guest printed "ready" and
     * waits for Domain-0 (what a loaded machine can do to the first test): that line is in
     * console_io, the ring empty until the guest writes again, and the test still finds it
     * ({@link GuestOutput}); before, it waited its 120 s for it.
     */
    @Test
    void theGuestsReadyLineIsFoundWhenItsConsoleConnectedAfterIt() throws Exception {
        Bundle consoleback = Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName().equals("org.oxen.io.consoleback")).findFirst().orElseThrow();
        long free = memory.freeFrames();
        Domain g;
        consoleback.stop();
        try {
            g = domains.create(grantsGuest());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!g.consoleOutput().contains("grants: ready")) {
                assertTrue(System.nanoTime() < end, g.consoleOutput());
                Thread.sleep(5);
            }
        } finally {
            consoleback.start();
        }
        mapsAndCopies(g);
        assertEquals(free, memory.freeFrames(), "frames leaked");
        assertEquals(0, log.internalErrors());
    }

    private static DomainConfig grantsGuest() {
        return DomainConfig.builder("it-grants").kernel(GuestImages.load(Flavor.PV, "grants")).memoryMiB(8)
                .cmdline("mode=dom0").build();
    }

    /** The handshake with the kit's grants guest (mode=dom0) to its RESULT: PASS; destroys it. */
    private void mapsAndCopies(Domain g) throws Exception {
        try {
            Matcher ready = Pattern.compile("grants: ready port=(\\d+) rw=(\\d+) ro=(\\d+)").matcher("");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!ready.reset(GuestOutput.of(g)).find()) {
                assertTrue(System.nanoTime() < end, GuestOutput.of(g));
                assertFalse(GuestOutput.of(g).contains("RESULT: FAIL"), GuestOutput.of(g));
                Thread.sleep(5);
            }
            int rw = Integer.parseInt(ready.group(2));
            int ro = Integer.parseInt(ready.group(3));
            Semaphore kicks = new Semaphore(0);
            EventPort port = events.bindInterdomain(g.id(), Integer.parseInt(ready.group(1)), p -> kicks.release());
            assertTrue(kicks.tryAcquire(10, TimeUnit.SECONDS));

            assertEquals(-1, status(GrantException.class, () -> grants.map(g.id(), ro, false)), "GNTST_general_error");
            assertEquals(-3, status(GrantException.class, () -> grants.map(g.id(), 4096, true)), "GNTST_bad_gntref");
            GrantMapping a = grants.map(g.id(), rw, false);
            GrantMapping b = grants.map(g.id(), ro, true);
            assertEquals((byte) 1, (byte) a.page().getByte(0), "page A's first byte");
            assertEquals((byte) (0x5a + 7 * 9), (byte) b.page().getByte(9), "page B's tenth byte");
            a.page().put(0, "DOM0".getBytes(StandardCharsets.US_ASCII), 0, 4);
            port.send();
            assertTrue(kicks.tryAcquire(60, TimeUnit.SECONDS), GuestOutput.of(g));
            byte[] guest = new byte[5];
            a.page().get(100, guest, 0, 5);
            assertEquals("GUEST", new String(guest, StandardCharsets.US_ASCII));
            a.unmap();
            b.close();
            assertEquals(-4, status(GrantException.class, a::unmap), "GNTST_bad_handle");
            assertThrows(IllegalStateException.class, () -> b.page());

            byte[] page = new byte[PageView.SIZE];
            grants.copyFrom(g.id(), rw, 0, page, 0, page.length);
            assertEquals("DOM0", new String(page, 0, 4, StandardCharsets.US_ASCII));
            byte[] in = new byte[2048];
            for (int i = 0; i < in.length; i++) in[i] = (byte) (0xc3 ^ (2048 + i));
            grants.copyTo(g.id(), rw, 2048, in, 0, in.length);
            port.send();
            assertTrue(g.awaitShutdown(120, TimeUnit.SECONDS), GuestOutput.of(g));
            assertTrue(GuestOutput.of(g).contains("RESULT: PASS"), GuestOutput.of(g));
            assertEquals(ShutdownReason.POWEROFF, g.shutdownReason().orElseThrow());
            port.close();
        } finally {
            domains.destroy(g.id());
        }
    }
}
