package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.*;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.io.blkback.blkif.BlkifRequest;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;

/**
 * Hostile frontends: requests with bad grant references, grants without the access the
 * operation needs, sector ranges past the end (and wrapping), segment counts over the limit,
 * segments outside their page, unknown operations, bad indirect pages, secure discards; each is
 * answered (BLKIF_RSP_ERROR, or EOPNOTSUPP for what is not offered), the disk is untouched, and
 * the next good request is served. A producer running a ring ahead halts that ring only
 * (Linux blkback's "bogus ring requests"): as Linux's, the device stays Connected and nothing is
 * written to xenstore, and another domain's disk goes on.
 */
class BlkbackHostileTest {

    static final int SECTORS = 2048; // 1 MiB

    @TempDir
    Path dir;
    BlkRig rig;
    BlkbackComponent blkback;
    long nextId = JavaBlkfront.RAW_ID_BASE;

    @BeforeEach
    void start() throws Exception {
        rig = new BlkRig(64);
        blkback = new BlkbackComponent();
        blkback.addProvider(new RawImageProvider());
        rig.addFactory(blkback, 1, 0);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    JavaBlkfront disk(String name, int devid) throws Exception {
        Path p = dir.resolve(name + ".img");
        new RawImageProvider().create(p, ImageSpec.ofSize((long) SECTORS * 512)).close();
        Domain d = rig.guest(name);
        JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(devid, "xvda", "raw", p.toString(), false, false),
                new JavaBlkfront.Options(0, false, true, 4, 16));
        assertTrue(fe.awaitConnected(20_000), "connected");
        return fe;
    }

    /** Puts a raw request (its id set here) and returns its status. */
    int raw(JavaBlkfront fe, byte[] slot) throws Exception {
        long id = nextId++;
        org.oxen.io.blkback.blkif.Blkif.put64(slot, REQ_ID, id);
        fe.submitRaw(slot);
        Integer s = fe.rawStatus(id, 20_000);
        assertTrue(s != null, "no answer to raw request " + id);
        return s;
    }

    byte[] direct(int op, long sector, int n, int[] grefs, int first, int last) {
        byte[] slot = new byte[REQUEST_SIZE];
        int[] f = new int[n], l = new int[n];
        java.util.Arrays.fill(f, first);
        java.util.Arrays.fill(l, last);
        BlkifRequest.encodeDirect(slot, op, 0, 0, sector, Math.min(n, MAX_SEGMENTS_PER_REQUEST), grefs, f, l);
        slot[REQ_NR_SEGMENTS] = (byte) n;
        return slot;
    }

    void stillServes(JavaBlkfront fe) throws Exception {
        byte[] data = new byte[4096];
        new Random(fe.completed()).nextBytes(data);
        assertEquals(RSP_OKAY, fe.write(16, data, 0, data.length).await(20, TimeUnit.SECONDS));
        byte[] back = new byte[4096];
        assertEquals(RSP_OKAY, fe.read(16, back, 0, back.length).await(20, TimeUnit.SECONDS));
        assertArrayEquals(data, back, "the backend still serves good requests");
    }

    @Test
    void everyBadRequestIsAnsweredWithAnErrorAndTheNextGoodOneServed() throws Exception {
        JavaBlkfront fe = disk("hostile", 51712);
        int good = fe.dataRef(0, 0);
        int[] one = { good };
        int[] twelve = new int[MAX_SEGMENTS_PER_REQUEST];
        java.util.Arrays.fill(twelve, good);
        stillServes(fe);

        // grant references: not granted, beyond the table, the indirect page's read-only grant read into
        assertEquals(RSP_ERROR, raw(fe, direct(OP_WRITE, 0, 1, new int[] { 300 }, 0, 7)), "ungranted ref");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_READ, 0, 1, new int[] { 1 << 30 }, 0, 7)), "ref beyond the table");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_READ, 0, 1, new int[] { -1 }, 0, 7)), "ref 0xffffffff");
        stillServes(fe);
        // sector ranges: past the end, straddling it, wrapping around 2^64
        assertEquals(RSP_ERROR, raw(fe, direct(OP_READ, SECTORS, 1, one, 0, 0)), "first sector past the end");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_WRITE, SECTORS - 4, 1, one, 0, 7)), "straddling the end");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_WRITE, -4L, 1, one, 0, 7)), "wrapping");
        // segment counts and bounds
        assertEquals(RSP_ERROR, raw(fe, direct(OP_READ, 0, 12, twelve, 0, 7)), "12 segments");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_READ, 0, 255, twelve, 0, 7)), "255 segments");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_WRITE, 0, 0, one, 0, 7)), "a write without segments");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_WRITE, 0, 1, one, 5, 4)), "first_sect after last_sect");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_READ, 0, 1, one, 0, 8)), "last_sect beyond the page");
        assertEquals(RSP_ERROR, raw(fe, direct(OP_READ, 0, 1, one, 200, 255)), "both beyond the page");
        stillServes(fe);
        // operations: reserved and unknown ones are not supported
        assertEquals(RSP_EOPNOTSUPP, raw(fe, direct(4, 0, 1, one, 0, 7)), "op 4 (reserved)");
        assertEquals(RSP_EOPNOTSUPP, raw(fe, direct(200, 0, 1, one, 0, 7)), "op 200");
        // indirect: too many segments, a bad indirect page, a bad indirect_op
        byte[] ind = new byte[REQUEST_SIZE];
        BlkifRequest.encodeIndirect(ind, OP_READ, 0, 0, 0, 257, new int[] { good }, 1);
        assertEquals(RSP_ERROR, raw(fe, ind), "257 indirect segments");
        BlkifRequest.encodeIndirect(ind, OP_READ, 0, 0, 0, 4, new int[] { 400 }, 1);
        assertEquals(RSP_ERROR, raw(fe, ind), "ungranted indirect page");
        BlkifRequest.encodeIndirect(ind, OP_DISCARD, 0, 0, 0, 4, new int[] { good }, 1);
        assertEquals(RSP_ERROR, raw(fe, ind), "indirect discard");
        BlkifRequest.encodeIndirect(ind, OP_READ, 0, 0, 0, 0, new int[] { good }, 1);
        assertEquals(RSP_ERROR, raw(fe, ind), "indirect without segments");
        // discard: past the end, wrapping, secure without discard-secure
        byte[] dis = new byte[REQUEST_SIZE];
        BlkifRequest.encodeDiscard(dis, 0, 0, SECTORS - 8, 16, 0);
        assertEquals(RSP_ERROR, raw(fe, dis), "discard past the end");
        BlkifRequest.encodeDiscard(dis, 0, 0, 8, -8L, 0);
        assertEquals(RSP_ERROR, raw(fe, dis), "discard wrapping");
        BlkifRequest.encodeDiscard(dis, 0, 0, 0, 8, DISCARD_SECURE);
        assertEquals(RSP_ERROR, raw(fe, dis), "secure discard");
        stillServes(fe);
        assertEquals(0, fe.unexpectedResponses());
        assertTrue(blkback.devices().get(0).counter("errors") >= 19, blkback.devices().toString());
    }

    @Test
    void aProducerRunningAheadHaltsOnlyItsRing() throws Exception {
        JavaBlkfront bad = disk("ahead", 51712);
        JavaBlkfront other = disk("bystander", 51712);
        stillServes(bad);
        stillServes(other);
        Domain badDomain = rig.vmm.list().stream().filter(x -> x.name().equals("ahead")).findFirst().orElseThrow();
        bad.runProducerAhead(5);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (blkback.halts() == 0) {
            assertTrue(System.nanoTime() < end, "the hostile ring was not halted");
            Thread.sleep(5);
        }
        // as Linux's xen-blkback (__do_block_io_op returns -EACCES; the ring's thread waits for
        // the disconnect): no xenbus_dev_error or _fatal, the backend stays Connected
        String be = "/local/domain/0/backend/vbd/" + badDomain.id() + "/51712";
        assertEquals("4", rig.read(be + "/state"), "the backend stays Connected");
        assertEquals(null, rig.read("/local/domain/0/error/backend/vbd/" + badDomain.id() + "/51712/error"));
        // the hostile ring is served no more; the bystander is, and both domains run on
        JavaBlkfront.Request r = bad.read(0, new byte[4096], 0, 4096);
        assertThrows(java.util.concurrent.TimeoutException.class, () -> r.await(300, TimeUnit.MILLISECONDS));
        for (int i = 0; i < 20; i++) stillServes(other);
        DomainState s = badDomain.state();
        assertTrue(s == DomainState.RUNNING || s == DomainState.BLOCKED, "the hostile domain runs on: " + s);
        assertEquals(0, rig.vmm.internalErrors());
    }
}
