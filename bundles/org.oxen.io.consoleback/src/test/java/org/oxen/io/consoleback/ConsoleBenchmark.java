package org.oxen.io.consoleback;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.ConsoleViewer;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.GuestConsole;
import org.oxen.vmm.core.Vmm;

/**
 * Console throughput, guest to a viewer (what {@code xl console} is), through the console ring
 * served by {@link Consoled} (with xenconsoled's rate limit, and without it) beside the same
 * guest writing through console_io, in one run. Not part of the test suite:
 * {@code mvn -B -o test -pl bundles/org.oxen.io.consoleback -Dtest=ConsoleBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false} (size: {@code -Doxen.bench.bytes=N}). Prints one table
 * row per path: the time from unpausing the guest to the viewer holding every byte.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class ConsoleBenchmark {

    static final int BYTES = Integer.getInteger("oxen.bench.bytes", 1 << 20);

    @Test
    void ringBesideConsoleIo() throws Exception {
        for (int round = 0; round < 2; round++) {
            String tag = round == 0 ? " (warm-up)" : "";
            ring("console ring, oxen's rate limit (250 reads/200 ms)" + tag, Consoled.Settings.DEFAULT);
            ring("console ring, xenconsoled's rate limit (30 reads/200 ms)" + tag,
                    new Consoled.Settings(64 * 1024, 32, 30, TimeUnit.MILLISECONDS.toNanos(200)));
            ring("console ring, no rate limit" + tag,
                    new Consoled.Settings(64 * 1024, 32, Integer.MAX_VALUE, TimeUnit.MILLISECONDS.toNanos(200)));
            consoleIo("console_io" + tag);
        }
    }

    private static void report(String path, long bytes, long nanos, Domain d, String out) {
        String guest = out.lines().filter(l -> l.startsWith("console: flood done")).findFirst().orElse("?");
        System.out.printf("| %s | %,d bytes | %.1f ms | %.2f MB/s | guest: %s |%n", path, bytes, nanos / 1e6,
                bytes / (nanos / 1e9) / 1e6, guest);
    }

    private static void ring(String path, Consoled.Settings settings) throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        Consoled c = new Consoled(vmm, vmm.eventChannels(), vmm.foreignMemory(), x -> () -> { }, System.err::println,
                System::nanoTime, settings);
        c.start();
        try {
            Domain d = vmm.create(DomainConfig.builder("flood").kernel(GuestImages.load(GuestImages.Flavor.PV, "console"))
                    .memoryMiB(8).cmdline("flood=" + BYTES).startPaused(true).build());
            GuestConsole con = waitFor(() -> c.console(d.id()).orElse(null));
            AtomicLong seen = new AtomicLong();
            AtomicLong done = new AtomicLong();
            con.attach(new ConsoleViewer() {
                @Override
                public void output(byte[] bytes) {
                    if (seen.addAndGet(bytes.length) >= BYTES && done.get() == 0) done.set(System.nanoTime());
                }

                @Override
                public void ended() {
                }
            });
            long t0 = System.nanoTime();
            vmm.unpause(d.id());
            d.awaitShutdown(300, TimeUnit.SECONDS);
            while (done.get() == 0) Thread.sleep(1);
            report(path, BYTES, done.get() - t0, d, new String(con.log(), java.nio.charset.StandardCharsets.ISO_8859_1));
        } finally {
            c.stop();
            vmm.shutdown();
        }
    }

    private static void consoleIo(String path) throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            Domain d = vmm.create(DomainConfig.builder("flood").kernel(GuestImages.load(GuestImages.Flavor.PV, "console"))
                    .memoryMiB(8).cmdline("console=io flood=" + BYTES).startPaused(true).build());
            AtomicLong seen = new AtomicLong();
            AtomicLong done = new AtomicLong();
            Consumer<String> viewer = s -> {
                if (seen.addAndGet(s.length()) >= BYTES && done.get() == 0) done.set(System.nanoTime());
            };
            d.addConsoleListener(viewer);
            long t0 = System.nanoTime();
            vmm.unpause(d.id());
            d.awaitShutdown(300, TimeUnit.SECONDS);
            while (done.get() == 0) Thread.sleep(1);
            report(path, BYTES, done.get() - t0, d, d.consoleOutput());
        } finally {
            vmm.shutdown();
        }
    }

    private static <T> T waitFor(java.util.function.Supplier<T> s) throws InterruptedException {
        T t;
        while ((t = s.get()) == null) Thread.sleep(1);
        return t;
    }
}
