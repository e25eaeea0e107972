package org.oxen.itests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of the whole block path, on the runtime as a user runs it: the exported
 * {@code oxen.jar} creates a domain from xl.cfg whose {@code disk} is a qcow2 image that
 * {@code qemu-img create} made; the guest kit's {@code blktest} writes patterns through its
 * blkfront and blkback, and every 256 KiB waits for its writes, flushes
 * (BLKIF_OP_FLUSH_DISKCACHE) and prints {@code blktest: durable N KiB} once the flush is
 * answered; {@code xl console} streams that to the process's stdout. The test kills the runtime
 * with SIGKILL while the guest is writing (after 4 MiB are durable, long before the 64 MiB end).
 * Afterwards {@code qemu-img check} finds no corruption (leaked clusters, which QEMU's own crash
 * design allows and which lose no data, are reported and tolerated) and every sector the guest
 * was told is durable holds its pattern in the image as {@code qemu-img convert} reads it.
 */
class BlkCrashSafetyTest {

    static final int SEED = 7;
    static final int MIB = 64;
    static final long KILL_AFTER_KIB = 4096;
    static final Pattern DURABLE = Pattern.compile("blktest: durable (\\d+) KiB \\(seed " + SEED + "\\)");

    @TempDir
    Path dir;

    /** blktest's pattern (guests/programs/blktest.c): word 0 the sector, word 1 the seed, then a hash. */
    static int pattern(int seed, int sector, int word) {
        if (word == 0) return sector;
        if (word == 1) return seed;
        int x = sector * 0x9E3779B1 ^ word * 0x85EBCA77 ^ seed * 0xC2B2AE3D;
        return x ^ (x >>> 15);
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        return p.exitValue() + "\n" + out;
    }

    static long durableKiB(String out) {
        long max = -1;
        Matcher m = DURABLE.matcher(out);
        while (m.find()) max = Math.max(max, Long.parseLong(m.group(1)));
        return max;
    }

    @Test
    void sigkillDuringWritesLeavesAConsistentImageWithEveryFlushedWrite() throws Exception {
        assertTrue(Files.isRegularFile(OxenProcess.JAR), OxenProcess.JAR + " (built by the runtime module)");
        Path img = dir.resolve("disk.qcow2");
        String made = run("qemu-img", "create", "-f", "qcow2", img.toString(), MIB + "M");
        assertTrue(made.startsWith("0\n"), made);
        Path cfg = Files.writeString(dir.resolve("crash.cfg"), "name = \"crash\"\nkernel = \"guest:blktest\"\nmemory = 16\n"
                + "extra = \"node=device/vbd/51712 mode=write seed=" + SEED + " chunk=32 depth=8 sync=256 mib=" + MIB + "\"\n"
                + "disk = [ '" + img + ",qcow2,xvda,rw' ]\n");

        OxenProcess.Running oxen = OxenProcess.start(dir, "xl create " + cfg + "; xl console -w 600 crash",
                List.of("-Doxen.domains.dir=none"), Map.of());
        long durableSeen;
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (true) {
                String out = oxen.outSoFar();
                durableSeen = durableKiB(out);
                if (durableSeen >= KILL_AFTER_KIB) break;
                assertTrue(oxen.process().isAlive(), "oxen ended before the kill:\n" + out + "\n" + oxen.errSoFar());
                assertTrue(!out.contains("RESULT:"), "the guest ended before the kill:\n" + out);
                assertTrue(System.nanoTime() < end, "no " + KILL_AFTER_KIB + " KiB durable in time:\n" + out + "\n"
                        + oxen.errSoFar());
                Thread.sleep(20);
            }
        } finally {
            oxen.kill(); // SIGKILL, in the middle of the guest's next writes
        }
        assertEquals(128 + 9, oxen.process().exitValue(), "killed by SIGKILL");
        String out = oxen.outSoFar();
        long durable = durableKiB(out); // every line printed before the kill was durable when printed
        assertTrue(durable >= durableSeen, out);
        assertTrue(!out.contains("blktest: wrote"), "the kill landed before the guest finished writing:\n" + out);

        // consistent: no corruption (exit 0 clean, 3 leaked clusters only; 2 would be corruption)
        String check = run("qemu-img", "check", "-f", "qcow2", img.toString());
        assertTrue(check.startsWith("0\n") || check.startsWith("3\n"), "qemu-img check after SIGKILL:\n" + check);
        assertTrue(!check.contains("ERROR") && !check.contains("corrupt"), check);
        System.out.println("blk crash: killed with " + durable + " KiB durable; qemu-img check: "
                + check.lines().skip(1).filter(l -> !l.isBlank()).reduce((a, b) -> a + " | " + b).orElse(""));

        // every durable sector holds its pattern, as QEMU reads the image
        Path raw = dir.resolve("after.raw");
        String conv = run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", img.toString(), raw.toString());
        assertTrue(conv.startsWith("0\n"), conv);
        long sectors = durable * 2;
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
            assertEquals((long) MIB << 20, f.length());
            ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
            for (int s = 0; s < sectors; s++) {
                b.clear();
                f.getChannel().read(b, (long) s * 512);
                for (int w = 0; w < 128; w++) {
                    int got = b.getInt(w * 4), want = pattern(SEED, s, w);
                    if (got != want) {
                        throw new AssertionError("sector " + s + " word " + w + " is " + Integer.toHexString(got)
                                + ", blktest wrote " + Integer.toHexString(want) + " before its flush at " + durable
                                + " KiB was answered");
                    }
                }
            }
        }
    }
}
