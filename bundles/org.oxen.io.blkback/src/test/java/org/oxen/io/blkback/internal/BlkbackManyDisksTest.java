package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.RSP_OKAY;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;

/**
 * Several disks at once through blkback: vbds of one domain side by side, and many disks over
 * several domains, each with its own Java frontend in its domain, their data verified through
 * the ring and in the files.
 */
class BlkbackManyDisksTest {

    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    BlkRig rig;
    BlkbackComponent blkback;

    @BeforeEach
    void start() throws Exception {
        rig = new BlkRig(96);
        blkback = new BlkbackComponent();
        blkback.addProvider(new RawImageProvider());
        rig.addFactory(blkback, 1, 0);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    Path rawImage(String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (BlockImage i = new RawImageProvider().create(p, ImageSpec.ofSize(size))) {
            return p;
        }
    }

    static byte[] pattern(long seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void ok(JavaBlkfront.Request r) throws Exception {
        assertEquals(RSP_OKAY, r.await(60, TimeUnit.SECONDS), r.toString());
    }

    /**
     * xvda and xvdb of one domain, each with its own frontend, ring, event channel and grants in
     * that domain: both connect, and writes then reads on both, interleaved, find each disk's own
     * data, through the ring and in its file (the second disk's first write timed out when each
     * frontend handed out the domain's grant references on its own, from the same first one).
     */
    @Test
    void twoDisksOfOneDomainEachKeepTheirOwnData() throws Exception {
        Domain d = rig.guest("twodisks");
        Path a = rawImage("a.img", 2 * MIB), b = rawImage("b.img", 2 * MIB);
        JavaBlkfront fa = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "raw", a.toString(), false, false),
                JavaBlkfront.Options.DEFAULT);
        JavaBlkfront fb = rig.attach(d, new VbdDevices.Disk(51728, "xvdb", "raw", b.toString(), false, false),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(fa.awaitConnected(30_000), "xvda connected");
        assertTrue(fb.awaitConnected(30_000), "xvdb connected");
        int chunk = 11 * 4096;
        byte[] da = pattern(1, chunk), db = pattern(2, chunk);
        for (int i = 0; i < 8; i++) {
            long sector = (long) i * chunk / 512;
            JavaBlkfront.Request wa = fa.write(sector, da, 0, chunk);
            JavaBlkfront.Request wb = fb.write(sector, db, 0, chunk);
            ok(wa);
            ok(wb);
        }
        ok(fa.flush());
        ok(fb.flush());
        for (int i = 0; i < 8; i++) {
            long sector = (long) i * chunk / 512;
            byte[] ra = new byte[chunk], rb = new byte[chunk];
            JavaBlkfront.Request qa = fa.read(sector, ra, 0, chunk);
            JavaBlkfront.Request qb = fb.read(sector, rb, 0, chunk);
            ok(qa);
            ok(qb);
            assertArrayEquals(da, ra, "xvda read back at sector " + sector);
            assertArrayEquals(db, rb, "xvdb read back at sector " + sector);
        }
        byte[] fileA = Files.readAllBytes(a), fileB = Files.readAllBytes(b);
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(da, Arrays.copyOfRange(fileA, i * chunk, (i + 1) * chunk), "a.img chunk " + i);
            assertArrayEquals(db, Arrays.copyOfRange(fileB, i * chunk, (i + 1) * chunk), "b.img chunk " + i);
        }
        assertEquals(0, fa.unexpectedResponses() + fb.unexpectedResponses(), "no answer to an id not in flight");
    }
}
