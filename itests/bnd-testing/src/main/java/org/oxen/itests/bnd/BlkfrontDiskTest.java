package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;

/**
 * The guest kit's blkfront (C) against blkback in a real Felix, disks from xl.cfg's
 * {@code disk = [...]}: the kit's {@code blktest} writes 64 MiB of patterns through blkfront onto
 * a raw image and onto two qcow2 images (oxen-img's), flushes, reads all of it back and
 * verifies it; afterwards {@code qemu-img check} finds the qcow2 images consistent and
 * {@code qemu-img compare} finds them identical to the raw one (all got the same pattern). The raw
 * disk and one qcow2 disk have xl's {@code direct-io-safe} flag: blkback opens them with O_DIRECT
 * (the storage providers' DIRECT mode, inside Felix; qcow2's metadata through its aligned path)
 * and offers the file system's block as their sector size, which the guest's blkfront prints;
 * the other qcow2 disk stays on the page cache with 512-byte sectors.
 */
class BlkfrontDiskTest extends XlSessionTest {

    static final int MIB = 64;

    @Override
    String domainPrefix() {
        return "bf-";
    }

    private Domain create(String name, String disk) throws Exception {
        return create(name, "guest:blktest", 16, "node=device/vbd/51712 seed=9 depth=8", disk);
    }

    private static String passes(Domain d) throws InterruptedException {
        assertTrue(d.awaitShutdown(600, TimeUnit.SECONDS), d.name() + " did not finish:\n" + GuestOutput.of(d));
        String out = GuestOutput.of(d);
        assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason(), out);
        assertTrue(out.strip().endsWith("RESULT: PASS"), out);
        assertTrue(out.contains("blktest: wrote " + (MIB << 10) + " KiB")
                && out.contains("blktest: read and verified " + (MIB << 10) + " KiB"), out);
        return out;
    }

    @Test
    void blktestWritesAndVerifies64MiBOnRawAndQcow2AndQemuImgAgrees() throws Exception {
        Path raw = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength((long) MIB << 20);
        }
        Path qcow2 = dir.resolve("disk.qcow2");
        gogo.run("oxen-img create -f qcow2 " + qcow2 + " " + MIB + "M");
        assertTrue(Files.exists(qcow2), gogo.err());

        Domain onRaw = create("bf-raw", raw + ",raw,xvda,rw,direct-io-safe");
        Path qcow2Direct = dir.resolve("direct.qcow2");
        gogo.run("oxen-img create -f qcow2 " + qcow2Direct + " " + MIB + "M");
        assertTrue(Files.exists(qcow2Direct), gogo.err());

        Domain onQcow2 = create("bf-qcow2", qcow2 + ",qcow2,xvda,rw");
        Domain onQcow2Direct = create("bf-qcow2d", qcow2Direct + ",qcow2,xvda,rw,direct-io-safe");
        int block = (int) Files.getFileStore(raw).getBlockSize();
        for (Domain d : List.of(onRaw, onQcow2, onQcow2Direct)) {
            String out = passes(d);
            out.lines().filter(l -> l.startsWith("blk")).forEach(l -> System.out.println(d.name() + ": " + l));
            int sector = d == onQcow2 ? 512 : block; // O_DIRECT where direct-io-safe
            assertTrue(out.contains(" sectors of " + sector + " bytes"), d.name() + ": " + out);
        }
        // the domains go, and their devices with them: blkback has closed the images
        gogo.run("xl destroy bf-raw");
        gogo.run("xl destroy bf-qcow2");
        gogo.run("xl destroy bf-qcow2d");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (hv.find("bf-raw").isPresent() || hv.find("bf-qcow2").isPresent() || hv.find("bf-qcow2d").isPresent()) {
            assertTrue(System.nanoTime() < end, "the domains did not go");
            Thread.sleep(10);
        }
        for (Path q : List.of(qcow2, qcow2Direct)) {
            String check = run("qemu-img", "check", "-f", "qcow2", q.toString());
            assertTrue(check.contains("No errors were found on the image."), q + ": " + check);
            String compare = run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), q.toString());
            assertTrue(compare.contains("Images are identical."), q + ": " + compare);
        }
        // and not by accident: the raw image holds the pattern (sector 5's first words: its number, the seed)
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
            f.seek(5 * 512);
            assertEquals(5, Integer.reverseBytes(f.readInt()));
            assertEquals(9, Integer.reverseBytes(f.readInt()));
        }
    }
}
