package org.oxen.storage.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.storage.qcow2.Qcow2ImageProvider;
import org.oxen.storage.raw.RawImageProvider;

class OxenImgCommandTest {
    private final RawImageProvider raw = new RawImageProvider();
    private final OxenImgCommand cmd = new OxenImgCommand(raw, new Qcow2ImageProvider(raw));
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    private int run(String... args) {
        out.reset();
        err.reset();
        return cmd.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void createsAndDescribesImagesAsQemuImgDoes() throws Exception {
        Path base = dir.resolve("base.raw");
        assertEquals(0, run("create", base.toString(), "2M"), err());
        assertEquals(2 << 20, Files.size(base));
        Path ov = dir.resolve("ov.qcow2");
        assertEquals(0, run("create", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4k", "-b", "base.raw", "-F", "raw",
                ov.toString(), "3M"), err());
        assertTrue(out().startsWith("Formatting '" + ov + "', fmt=qcow2 size=3145728 backing_file=base.raw"), out());
        assertEquals(0, run("info", ov.toString()), err());
        String info = out();
        assertTrue(info.contains("file format: qcow2\n") && info.contains("virtual size: 3 MiB (3145728 bytes)\n")
                && info.contains("cluster_size: 4096\n") && info.contains("backing file: base.raw\n")
                && info.contains("backing file format: raw\n") && info.contains("    compat: 0.10\n"), info);
        assertEquals(0, run("info", base.toString()), err());
        assertTrue(out().contains("file format: raw\n") && out().contains("virtual size: 2 MiB (2097152 bytes)"), out());
        Process p = new ProcessBuilder("qemu-img", "info", ov.toString()).redirectErrorStream(true).start();
        String q = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), q);
        assertTrue(q.contains("virtual size: 3 MiB (3145728 bytes)") && q.contains("cluster_size: 4096")
                && q.contains("backing file: base.raw") && q.contains("compat: 0.10"), q);
        assertEquals(0, run("formats"));
        assertEquals("qcow2\nraw\n", out());
    }

    /** preallocation=full writes the whole image, reporting each tenth on the shell and its progress in the Jobs service. */
    @Test
    void fullPreallocationWritesEveryBlockAndReportsProgress() throws Exception {
        List<long[]> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
        cmd.jobs = new org.oxen.vmm.api.jobs.Jobs() {
            @Override
            public org.oxen.vmm.api.jobs.Job start(String kind, String subject, long total) {
                assertEquals("image create", kind);
                return new org.oxen.vmm.api.jobs.Job() {
                    @Override
                    public void progress(long done, long t) {
                        seen.add(new long[] {done, t});
                    }

                    @Override
                    public void phase(String phase) {
                    }

                    @Override
                    public org.oxen.vmm.api.jobs.Jobs.JobInfo info() {
                        return null;
                    }

                    @Override
                    public void close() {
                        closed.add(subject);
                    }
                };
            }

            @Override
            public List<org.oxen.vmm.api.jobs.Jobs.JobInfo> running() {
                return List.of();
            }
        };
        Path img = dir.resolve("full.raw");
        assertEquals(0, run("create", "-o", "preallocation=full", img.toString(), "5M"), err());
        assertTrue(out().contains("preallocation=full"), out());
        for (int t = 10; t <= 100; t += 10) assertTrue(out().contains("    (" + t + ".00/100%)"), out());
        assertEquals(5, seen.size(), "one report per MiB written");
        assertEquals(5L << 20, seen.get(4)[0]);
        assertEquals(5L << 20, seen.get(4)[1]);
        assertEquals(List.of(img.toString()), closed);
        Process stat = new ProcessBuilder("stat", "-c", "%b", img.toString()).start(); // blocks of 512 bytes allocated
        long allocated = Long.parseLong(new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim()) * 512;
        assertTrue(allocated >= 5L << 20, "every block allocated: " + allocated);
        Path q = dir.resolve("full.qcow2");
        assertEquals(0, run("create", "-f", "qcow2", "-o", "preallocation=full", q.toString(), "3M"), err());
        assertTrue(Files.size(q) >= 3L << 20, "qcow2 clusters allocated: " + Files.size(q));
        assertEquals(1, run("create", "-o", "preallocation=falloc", dir.resolve("x.raw").toString(), "1M"));
        assertTrue(err().contains("preallocation=falloc: oxen-img knows off and full"), err());
    }

    @Test
    void errorsAreOneLineAndStatusOne() {
        assertEquals(1, run("create", "-f", "vmdk", dir.resolve("x").toString(), "1M"));
        assertTrue(err().startsWith("oxen-img: unknown format 'vmdk' (present: [qcow2, raw])"), err());
        assertEquals(1, run("create", dir.resolve("x").toString(), "1000"));
        assertTrue(err().contains("size 1000 is not a multiple of 512"), err());
        assertEquals(1, run("create", "-f", "qcow2", "-b", "base.raw", dir.resolve("x").toString(), "1M"));
        assertTrue(err().contains("needs its format (-F raw|qcow2)"), err());
        assertEquals(1, run("create", "-f", "qcow2", "-o", "cluster_size=3k", dir.resolve("x").toString(), "1M"));
        assertTrue(err().contains("cluster_size=3k is not valid"), err());
        assertFalse(Files.exists(dir.resolve("x")));
        assertEquals(1, run("info", dir.resolve("none.qcow2").toString()));
        assertTrue(err().startsWith("oxen-img: " + dir.resolve("none.qcow2") + ": no such file"), err());
        assertEquals(1, run("frobnicate"));
        assertTrue(err().contains("unknown subcommand 'frobnicate'") && err().contains("usage: oxen-img info"), err());
        assertEquals(1, run());
    }
}
