package org.oxen.storage.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.qcow2.Qcow2ImageProvider;
import org.oxen.storage.raw.RawImageProvider;

/**
 * 4 KiB request throughput of the storage layer, in one run and on one file system:
 * <ul>
 * <li>{@code FileChannel}: positional reads and writes straight to a raw file (the floor: what
 * any Java backend pays);</li>
 * <li>{@code raw SPI}, {@code qcow2 SPI}: the same requests through {@link BlockImage}
 * ({@code qcow2 SPI (new image)}: writes into an empty image, so every 64 KiB cluster is allocated on
 * its first 4 KiB; the other write rows overwrite allocated data);</li>
 * <li>{@code qemu-img bench}: QEMU's own block layer on the same files (sequential only; depth 1,
 * {@code -t writeback}, i.e. through the page cache like the Java rows).</li>
 * <li>with the cache argument {@code direct} (or {@code both}), the same around the page cache:
 * {@code FileChannel O_DIRECT}, {@code raw SPI O_DIRECT} and {@code qcow2 SPI O_DIRECT} (images
 * opened {@code CacheMode.DIRECT}; qcow2's metadata through its aligned bounce path), beside
 * {@code qemu-img bench -t none} (QEMU's {@code cache=none}) on the same files.</li>
 * </ul>
 * Every row moves the whole image once (sequential) or as many random aligned 4 KiB requests
 * (random, same seed for every target); write rows end with a flush (force), inside the timing,
 * as qemu-img bench's single flush is. The targets run interleaved, round after round, after an
 * unrecorded warm-up round, and each row reports the median round. Reads hit the page cache:
 * those rows compare software overhead, not the disk. {@code (new ...)} rows write a freshly
 * created image (a sparse raw file, an empty qcow2); the other write rows overwrite written data.
 *
 * <p>Usage: {@code StorageBench <dir> [MiB per pass, 128] [rounds, 3] [writeback|direct|both, writeback]}.
 */
public final class StorageBench {
    private static final int BS = 4096;

    interface Target extends AutoCloseable {
        void read(long off, ByteBuffer b) throws IOException;

        void write(long off, ByteBuffer b) throws IOException;

        void flush() throws IOException;

        @Override
        void close() throws IOException;
    }

    static Target of(FileChannel ch) {
        return new Target() {
            public void read(long off, ByteBuffer b) throws IOException {
                while (b.hasRemaining()) {
                    if (ch.read(b, off + b.position()) < 0) {
                        throw new IOException("EOF");
                    }
                }
            }

            public void write(long off, ByteBuffer b) throws IOException {
                while (b.hasRemaining()) {
                    ch.write(b, off + b.position());
                }
            }

            public void flush() throws IOException {
                ch.force(true);
            }

            public void close() throws IOException {
                ch.close();
            }
        };
    }

    static Target of(BlockImage img) {
        return new Target() {
            public void read(long off, ByteBuffer b) throws IOException {
                img.read(off, b);
            }

            public void write(long off, ByteBuffer b) throws IOException {
                img.write(off, b);
            }

            public void flush() throws IOException {
                img.flush();
            }

            public void close() throws IOException {
                img.close();
            }
        };
    }

    private final long size;
    private final int rounds;
    private final long[] randomOffsets;
    /** Aligned to the request size, as O_DIRECT wants it. */
    private final ByteBuffer buf = ByteBuffer.allocateDirect(2 * BS).alignedSlice(BS);
    /** Seconds per "target|request" row, one per round, in first-seen order. */
    private final Map<String, List<Double>> results = new LinkedHashMap<>();

    StorageBench(long size, int rounds) {
        this.size = size;
        this.rounds = rounds;
        Random r = new Random(1);
        randomOffsets = new long[(int) (size / BS)];
        for (int i = 0; i < randomOffsets.length; i++) {
            randomOffsets[i] = (long) r.nextInt((int) (size / BS)) * BS;
        }
        for (int i = 0; i < BS; i++) {
            buf.put(i, (byte) (i * 7 + 1));
        }
    }

    /** Seconds for one pass of {@code kind} over the target (writes end with a flush). */
    double pass(Target t, String kind) throws IOException {
        long n = size / BS;
        long t0 = System.nanoTime();
        for (long i = 0; i < n; i++) {
            long off = kind.startsWith("seq") ? i * BS : randomOffsets[(int) i];
            buf.clear();
            if (kind.endsWith("write")) {
                t.write(off, buf);
            } else {
                t.read(off, buf);
            }
        }
        if (kind.endsWith("write")) {
            t.flush();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    void record(String target, String kind, double seconds) {
        results.computeIfAbsent(String.format(Locale.ROOT, "| %-26s | %-10s", target, kind), k -> new ArrayList<>())
                .add(seconds);
    }

    void measure(String name, Target t, String... kinds) throws IOException {
        for (String k : kinds) {
            record(name, k, pass(t, k));
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 128;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String cache = args.length > 3 ? args[3] : "writeback";
        if (!List.of("writeback", "direct", "both").contains(cache)) {
            throw new IllegalArgumentException("cache '" + cache + "': writeback, direct or both");
        }
        boolean writeback = !cache.equals("direct"), direct = !cache.equals("writeback");
        long size = mib << 20;
        Files.createDirectories(dir);
        StorageBench b = new StorageBench(size, rounds);
        RawImageProvider rawFormat = new RawImageProvider();
        Qcow2ImageProvider qcow2Format = new Qcow2ImageProvider(rawFormat);
        String[] kinds = {"seq write", "seq read", "rand read", "rand write"};
        Path raw = dir.resolve("bench.raw");
        Path q = dir.resolve("bench.qcow2");
        Path fresh = dir.resolve("fresh.raw");
        // round 0 warms the JIT and is not recorded
        for (int round = 0; round <= rounds; round++) {
            StorageBench rb = round == 0 ? new StorageBench(size, 1) : b;
            for (String kind : new String[] {"seq write", "rand write"}) {
                if (writeback) {
                    Files.deleteIfExists(fresh);
                    rawFormat.create(fresh, ImageSpec.ofSize(size)).close();
                    try (Target t = of(FileChannel.open(fresh, StandardOpenOption.READ, StandardOpenOption.WRITE))) {
                        rb.record("FileChannel (new sparse)", kind, rb.pass(t, kind));
                    }
                    Files.deleteIfExists(q);
                    try (Target t = of(qcow2Format.create(q, ImageSpec.ofSize(size)))) {
                        rb.record("qcow2 SPI (new image)", kind, rb.pass(t, kind));
                    }
                }
                if (direct) {
                    Files.deleteIfExists(q);
                    qcow2Format.create(q, ImageSpec.ofSize(size)).close();
                    try (Target t = of(qcow2Format.open(q, AccessMode.READ_WRITE, CacheMode.DIRECT))) {
                        rb.record("qcow2 SPI O_DIRECT (new)", kind, rb.pass(t, kind));
                    }
                }
            }
            if (round == 0) {
                Files.deleteIfExists(raw);
                rawFormat.create(raw, ImageSpec.ofSize(size)).close();
            }
            if (writeback) {
                try (Target t = of(FileChannel.open(raw, StandardOpenOption.READ, StandardOpenOption.WRITE))) {
                    rb.measure("FileChannel (raw file)", t, kinds);
                }
                try (Target t = of(rawFormat.open(raw, AccessMode.READ_WRITE))) {
                    rb.measure("raw SPI", t, kinds);
                }
                try (Target t = of(qcow2Format.open(q, AccessMode.READ_WRITE))) {
                    rb.pass(t, "seq write"); // every cluster allocated: the rows below overwrite
                    rb.measure("qcow2 SPI", t, kinds);
                }
                rb.qemuImgBench("raw", raw, "writeback");
                rb.qemuImgBench("qcow2", q, "writeback");
            }
            if (direct) {
                try (Target t = of(FileChannel.open(raw, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        com.sun.nio.file.ExtendedOpenOption.DIRECT))) {
                    rb.measure("FileChannel O_DIRECT", t, kinds);
                }
                try (Target t = of(rawFormat.open(raw, AccessMode.READ_WRITE, CacheMode.DIRECT))) {
                    rb.measure("raw SPI O_DIRECT", t, kinds);
                }
                try (Target t = of(qcow2Format.open(q, AccessMode.READ_WRITE, CacheMode.DIRECT))) {
                    rb.pass(t, "seq write"); // every cluster allocated: the rows below overwrite
                    rb.measure("qcow2 SPI O_DIRECT", t, kinds);
                }
                rb.qemuImgBench("raw", raw, "none");
                rb.qemuImgBench("qcow2", q, "none");
            }
        }
        System.out.println("4 KiB requests, " + mib + " MiB per pass, median of " + rounds + " rounds (after a warm-up round)");
        System.out.println("| target                     | request    |    MiB/s |     IOPS |");
        System.out.println("|---|---|---:|---:|");
        b.results.forEach((row, secs) -> {
            List<Double> s = new ArrayList<>(secs);
            s.sort(null);
            double median = s.get(s.size() / 2);
            System.out.println(String.format(Locale.ROOT, "%s | %8.0f | %8.0f |", row, mib / median, size / BS / median));
        });
        Files.deleteIfExists(raw);
        Files.deleteIfExists(q);
        Files.deleteIfExists(fresh);
    }

    /** qemu-img bench -d 1 -t {@code cache} -s 4096 over the whole image (writes: one flush at the end). */
    void qemuImgBench(String fmt, Path image, String cache) throws IOException, InterruptedException {
        long count = size / BS;
        for (String kind : new String[] {"seq read", "seq write"}) {
            double seconds = 0;
            for (int run = 0; run < 1; run++) {
                List<String> cmd = new ArrayList<>(List.of("qemu-img", "bench", "-f", fmt, "-t", cache, "-d", "1",
                        "-c", "" + count, "-s", "" + BS));
                if (kind.endsWith("write")) {
                    cmd.add("-w");
                    cmd.add("--flush-interval=" + count);
                }
                cmd.add(image.toString());
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new IOException(String.join(" ", cmd) + " failed: " + out);
                }
                Matcher m = Pattern.compile("Run completed in ([0-9.]+) seconds").matcher(out);
                if (!m.find()) {
                    throw new IOException("unexpected qemu-img bench output: " + out);
                }
                seconds = Double.parseDouble(m.group(1));
            }
            record("qemu-img bench (" + fmt + (cache.equals("none") ? ", -t none" : "") + ")", kind, seconds);
        }
    }
}
