package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.ShutdownReason;

/**
 * The guest kit's blkfront (C) against blkback in a real Felix, disks from xl.cfg's
 * {@code disk = [...]}: the kit's {@code blktest} writes 64 MiB of patterns through blkfront onto
 * a raw image and onto a qcow2 image (oxen-img's), flushes, reads all of it back and verifies
 * it; afterwards {@code qemu-img check} finds the qcow2 image consistent and
 * {@code qemu-img compare} finds it identical to the raw one (both got the same pattern).
 */
class BlkfrontDiskTest {

    static final int MIB = 64;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    private GogoSession gogo;
    private Path dir;

    @BeforeEach
    void open() throws Exception {
        gogo = new GogoSession(processor);
        dir = Files.createTempDirectory("blkfront-it");
    }

    @AfterEach
    void close() throws Exception {
        for (Domain d : hv.list()) {
            if (d.name().startsWith("bf-")) gogo.run("xl destroy " + d.name());
        }
        gogo.close();
    }

    private Domain create(String name, String disk) throws Exception {
        Path cfg = dir.resolve(name + ".cfg");
        Files.writeString(cfg, "name = \"" + name + "\"\nkernel = \"guest:blktest\"\nmemory = 16\n"
                + "extra = \"node=device/vbd/51712 seed=9 depth=8\"\non_poweroff = \"preserve\"\n"
                + "disk = [ '" + disk + "' ]\n");
        gogo.run("xl create " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        return hv.find(name).orElseThrow();
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

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
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

        Domain onRaw = create("bf-raw", raw + ",raw,xvda,rw");
        Domain onQcow2 = create("bf-qcow2", qcow2 + ",qcow2,xvda,rw");
        for (Domain d : List.of(onRaw, onQcow2)) {
            String out = passes(d);
            out.lines().filter(l -> l.startsWith("blk")).forEach(l -> System.out.println(d.name() + ": " + l));
        }
        // the domains go, and their devices with them: blkback has closed both images
        gogo.run("xl destroy bf-raw");
        gogo.run("xl destroy bf-qcow2");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (hv.find("bf-raw").isPresent() || hv.find("bf-qcow2").isPresent()) {
            assertTrue(System.nanoTime() < end, "the domains did not go");
            Thread.sleep(10);
        }
        String check = run("qemu-img", "check", "-f", "qcow2", qcow2.toString());
        assertTrue(check.contains("No errors were found on the image."), check);
        String compare = run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), qcow2.toString());
        assertTrue(compare.contains("Images are identical."), compare);
        // and not by accident: the raw image holds the pattern (sector 5's first words: its number, the seed)
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
            f.seek(5 * 512);
            assertEquals(5, Integer.reverseBytes(f.readInt()));
            assertEquals(9, Integer.reverseBytes(f.readInt()));
        }
    }
}
