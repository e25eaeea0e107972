package org.oxen.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;

/**
 * Crash safety: a child JVM ({@link CrashWriter}) writes, discards and flushes an image and is
 * killed with SIGKILL at a random moment. Afterwards qemu-img check finds no corruption (leaks
 * are allowed, as QEMU allows them), and every byte that the flushed operations wrote and no
 * later (possibly in-flight) operation touched reads back exactly, in oxen and in QEMU.
 */
class Qcow2CrashTest {
    private static final int OPS = 100_000;
    private final Qcow2ImageProvider qcow2 = new Qcow2ImageProvider(new RawImageProvider());

    @TempDir
    Path dir;

    @ParameterizedTest(name = "compat={0} cluster_size={1} refcount_bits={2} kill after flush {4} O_DIRECT {5}")
    @CsvSource({
        "1.1, 65536, 16, 8388608, 3, false",
        "1.1, 65536, 16, 8388608, 12, false",
        "0.10, 65536, 16, 8388608, 7, false",
        "1.1, 512, 64, 4194304, 10, false",
        "1.1, 4096, 2, 4194304, 6, false",
        "1.1, 65536, 16, 8388608, 9, true",
        "1.1, 512, 64, 4194304, 5, true",
    })
    void killedWriterLeavesAConsistentImageWithEveryFlushedWrite(String compat, int cs, int bits, int size,
            int flushes, boolean direct) throws Exception {
        Path img = dir.resolve("crash.qcow2");
        long seed = size ^ (long) cs * 31 + flushes;
        qcow2.create(img, ImageSpec.ofSize(size).withOption("compat", compat).withOption("cluster_size", "" + cs)
                .withOption("refcount_bits", "" + bits)).close();
        // with O_DIRECT (qcow2 opened DIRECT: the writer's data and metadata bypass the page cache) every operation is block-aligned
        int align = direct ? (int) Files.getFileStore(img).getBlockSize() : 1;
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), img.toString(), "" + seed, "" + OPS, "" + align)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int lastFlushed = -1;
        int lastStarted = -1;
        int seen = 0;
        Random delay = new Random(seed);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            boolean killed = false;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("S ")) {
                    lastStarted = Integer.parseInt(line.substring(2));
                } else if (line.startsWith("F ")) {
                    lastFlushed = Integer.parseInt(line.substring(2));
                    if (++seen == flushes && !killed) {
                        Thread.sleep(delay.nextInt(40)); // land in the middle of later writes
                        // SIGKILL by kill(1): Process.destroyForcibly would also close our end of its stdout
                        assertTrue(new ProcessBuilder("kill", "-KILL", "" + child.pid()).start().waitFor() == 0);
                        killed = true;
                    }
                } else if (line.equals("DONE")) {
                    throw new AssertionError("the writer finished before it was killed");
                }
            }
            assertTrue(killed, "the writer was killed (it printed " + seen + " flushes)");
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(child.exitValue() == 128 + 9, "killed by SIGKILL: exit " + child.exitValue());
        assertTrue(lastFlushed >= 0);

        QemuImg.Result check = QemuImg.check(img);
        assertTrue(check.exit() == 0 || check.exit() == 3, "qemu-img check after the kill (0 clean, 3 leaks only): exit "
                + check.exit() + "\n" + check.out());

        // what every flushed operation wrote, and which bytes later operations may have touched
        byte[] mirror = new byte[size];
        for (int i = 0; i <= lastFlushed; i++) {
            CrashWriter.Op.of(seed, i, size, align).applyTo(mirror);
        }
        BitSet unsure = new BitSet(size);
        for (int i = lastFlushed + 1; i <= lastStarted; i++) {
            CrashWriter.Op op = CrashWriter.Op.of(seed, i, size, align);
            unsure.set(op.off(), op.off() + op.len());
        }
        byte[] got = new byte[size];
        try (BlockImage q = qcow2.open(img, AccessMode.READ_ONLY)) {
            q.read(0, ByteBuffer.wrap(got));
        }
        Path qemuRaw = dir.resolve("after.raw");
        QemuImg.ok("qemu-img", "convert", "-O", "raw", img.toString(), qemuRaw.toString());
        assertArrayEquals(Files.readAllBytes(qemuRaw), got, "oxen reads the crashed image as QEMU does");
        int verified = 0;
        for (int i = 0; i < size; i++) {
            if (!unsure.get(i)) {
                if (got[i] != mirror[i]) {
                    throw new AssertionError("byte " + i + " is " + got[i] + ", the flushed operations wrote "
                            + mirror[i] + " (flushed through op " + lastFlushed + ", started " + lastStarted + ")");
                }
                verified++;
            }
        }
        assertTrue(verified > size / 4, "enough bytes verified: " + verified + " of " + size);
        // and the image goes on: oxen writes to it again and the result is clean
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE)) {
            byte[] m = got.clone();
            Workload.run(q, m, new Random(seed), 50, true);
            Workload.verify(q, m);
            Arrays.fill(m, (byte) 0);
        }
        QemuImg.Result after = QemuImg.check(img);
        assertTrue(after.exit() == 0 || after.exit() == 3, after.out());
    }
}
