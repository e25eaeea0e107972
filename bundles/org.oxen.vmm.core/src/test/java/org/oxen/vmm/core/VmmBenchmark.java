package org.oxen.vmm.core;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.core.time.SystemTime;
import org.oxen.x86.api.Clock;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Benchmarks (not tests: no timed assertions), run with
 * {@code mvn -o test -pl bundles/org.oxen.vmm.core -am -Dtest=VmmBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints the figures of PERFORMANCE-vmm.md.
 *
 * <p>Time is the CPU time of the thread running the guest (the pCPU thread for PV, the test
 * thread for native): on a shared, loaded host, wall time measures the neighbours. Both flavors
 * read their TSC from that clock, so the durations the guests print are CPU time too.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class VmmBenchmark {

    static final int CALLS = 2_000_000;

    /** Null hypercall: a loop of xen_version(0), minus the same loop without the int $0x82. */
    @Test
    void nullHypercall() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1, new SystemTime(VmmBenchmark::threadCpu));
        try {
            List<Double> per = new ArrayList<>();
            int rounds = Math.max(3, Integer.getInteger("oxen.bench.rounds", 7)); // the first two warm up
            for (int round = 0; round < rounds; round++) {
                long with = loop(vmm, true);
                long without = loop(vmm, false);
                per.add((with - without) / (double) CALLS);
                System.out.printf("null hypercall round %d: loop with %d ns, without %d ns -> %.1f ns/call%n",
                        round, with, without, per.get(per.size() - 1));
            }
            List<Double> s = new ArrayList<>(per.subList(2, per.size()));
            Collections.sort(s);
            System.out.printf("RESULT null hypercall (xen_version 0): median %.1f ns, best %.1f ns (%d calls, "
                    + "rounds 3-7)%n", s.get(s.size() / 2), s.get(0), CALLS);
        } finally {
            vmm.shutdown();
        }
    }

    /** CPU time of a domain running CALLS loop iterations with a xen_version hypercall each ({@code hypercall}) or two NOPs. */
    static long loop(Vmm vmm, boolean hypercall) throws Exception {
        MiniGuest m = new MiniGuest().movImm(7, CALLS);          // mov $CALLS, %edi
        m.movImm(0, 17).bytes(0x31, 0xDB, 0x31, 0xC9);            // mov $17,%eax; xor %ebx,%ebx; xor %ecx,%ecx
        if (hypercall) m.int82(); else m.bytes(0x90, 0x90);
        m.bytes(0x4F, 0x75, 0xF2);                                 // dec %edi; jnz loop
        m.shutdown(0);
        Domain d = vmm.create(DomainConfig.builder("nullhc").kernel(m.image()).memoryMiB(4).build());
        d.awaitShutdown(60, TimeUnit.SECONDS);
        long t = d.cpuTimeNanos();
        vmm.destroy(d.id());
        return t;
    }

    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static long threadCpu() {
        return THREADS.getCurrentThreadCpuTime();
    }

    static final Pattern TOTAL = Pattern.compile("flavor=(\\w+) .*checksum=(0x[0-9a-f]+) insns=(\\d+) ns=(\\d+)");

    /**
     * Figure 3 (L/X/V): cpubench native on a bare CPU (L), in a PV domain (X) and, the same
     * native image unmodified, in an HVM domain (V), alternating in one run; plus the native
     * image on the bare machine (the board, {@code machine boot}), whose clock is wall time.
     * {@code -Doxen.bench.program=ptbench} runs the page-table-heavy workload instead (sized by
     * {@code -Doxen.bench.ptbench=...}, default {@code ops=200k switch=16}).
     */
    @Test
    void cpubenchPvVsNative() throws Exception {
        String program = System.getProperty("oxen.bench.program", "cpubench");
        // -Doxen.bench.cpubench=... sizes the workload (a faster CPU needs a longer run to measure)
        String cmd = program.equals("cpubench") ? System.getProperty("oxen.bench.cpubench", "loop=10000000 mix=10")
                : System.getProperty("oxen.bench." + program, "ops=200k switch=16");
        Vmm vmm = new Vmm(128L << 20, 1, new SystemTime(VmmBenchmark::threadCpu));
        org.oxen.vmm.core.hvm.HvmBench.withDevices(vmm);
        try {
            List<long[]> pv = new ArrayList<>(), nat = new ArrayList<>(), hvm = new ArrayList<>(), board = new ArrayList<>();
            int rounds = Math.max(3, Integer.getInteger("oxen.bench.rounds", 7)); // the first two warm up
            for (int round = 0; round < rounds; round++) {
                long n = parse("native", runNative(program, cmd));
                Domain d = vmm.create(DomainConfig.builder(program).kernel(GuestImages.load(GuestImages.Flavor.PV,
                        program)).memoryMiB(16).cmdline(cmd).build());
                d.awaitShutdown(300, TimeUnit.SECONDS);
                long p = parse("pv", d.consoleOutput());
                vmm.destroy(d.id());
                Domain h = vmm.create(DomainConfig.builder(program + "-hvm").type(org.oxen.vmm.api.DomainType.HVM)
                        .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, program)).memoryMiB(16).cmdline(cmd).build());
                h.awaitShutdown(300, TimeUnit.SECONDS);
                long v = parse("native", h.consoleOutput());
                vmm.destroy(h.id());
                long l = parse("native", org.oxen.vmm.core.hvm.HvmBench.onBoard(program, cmd));
                nat.add(new long[] {n});
                pv.add(new long[] {p});
                hvm.add(new long[] {v});
                board.add(new long[] {l});
                System.out.printf("%s round %d: native %d ms, PV %d ms, HVM %d ms (board, wall: %d ms);"
                        + " PV/native %.3f, HVM/native %.3f%n", program, round, n / 1_000_000, p / 1_000_000, v / 1_000_000,
                        l / 1_000_000, n / (double) p, n / (double) v);
            }
            long[] ns = nat.subList(2, rounds).stream().mapToLong(a -> a[0]).sorted().toArray();
            long[] ps = pv.subList(2, rounds).stream().mapToLong(a -> a[0]).sorted().toArray();
            long[] hs = hvm.subList(2, rounds).stream().mapToLong(a -> a[0]).sorted().toArray();
            long[] bs = board.subList(2, rounds).stream().mapToLong(a -> a[0]).sorted().toArray();
            long bn = ns[0], bp = ps[0], bh = hs[0], mn = ns[ns.length / 2], mp = ps[ps.length / 2], mh = hs[hs.length / 2];
            System.out.printf("RESULT %s %s: native best %.1f ms, PV best %.1f ms, PV/native %.3f (best of rounds 3-%d);"
                    + " medians %.1f / %.1f ms, PV/native %.3f%n", program, cmd, bn / 1e6, bp / 1e6, bn / (double) bp, rounds,
                    mn / 1e6, mp / 1e6, mn / (double) mp);
            System.out.printf("RESULT Figure 3 %s %s: L (native, bare CPU) best %.1f / median %.1f ms, X (PV) %.1f / %.1f ms,"
                    + " V (HVM) %.1f / %.1f ms; X/L %.3f / %.3f, V/L %.3f / %.3f (speed, best / median);"
                    + " native on the board (wall time) best %.1f / median %.1f ms%n", program, cmd, bn / 1e6, mn / 1e6, bp / 1e6,
                    mp / 1e6, bh / 1e6, mh / 1e6, bn / (double) bp, mn / (double) mp, bn / (double) bh, mn / (double) mh,
                    bs[0] / 1e6, bs[bs.length / 2] / 1e6);
        } finally {
            vmm.shutdown();
        }
    }

    /** The PV cpubench's duration (ns) from its console. */
    static long parsePv(String out) {
        return parse("pv", out);
    }

    private static long parse(String flavor, String out) {
        Matcher m = TOTAL.matcher(out);
        if (!m.find() || !m.group(1).equals(flavor) || !out.contains("RESULT: PASS")) {
            throw new AssertionError(flavor + " run did not pass:\n" + out);
        }
        return Long.parseLong(m.group(4));
    }

    /** The kit's native {@code program} on a bare X86Cpu: a minimal multiboot loader, debugcon, exit port, PIT channel 2. */
    static String runNative(String program, String cmdline) {
        byte[] elf = GuestImages.load(GuestImages.Flavor.NATIVE, program);
        Ram ram = new Ram(64L << 20);
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        int phoff = b.getInt(28), phnum = b.getShort(44) & 0xFFFF;
        for (int i = 0; i < phnum; i++) {
            int o = phoff + i * 32;
            if (b.getInt(o) != 1) continue;
            int off = b.getInt(o + 4), paddr = b.getInt(o + 12), filesz = b.getInt(o + 16);
            ram.load(paddr & 0xFFFFFFFFL, elf, off, filesz);
        }
        byte[] cl = (program + " " + cmdline + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ram.load(0x9100, cl, 0, cl.length);
        ram.write32(0x9000, 1 | 4);                // flags: mem, cmdline
        ram.write32(0x9004, 640);
        ram.write32(0x9008, (64 << 10) - 1024);
        ram.write32(0x9010, 0x9100);
        long start = threadCpu();
        Clock clock = () -> threadCpu() - start;
        StringBuilder out = new StringBuilder();
        X86Cpu[] cpuRef = new X86Cpu[1];
        IoPortDevice io = new IoPortDevice() {
            int latch, latchBytes, gate;
            long armed = -1;

            @Override
            public int read8(int port) {
                if (port == 0x61) {
                    boolean done = armed >= 0 && clock.nanos() >= armed;
                    return gate | (done ? 0x20 : 0);
                }
                return 0xFF;
            }

            @Override
            public void write8(int port, int v) {
                switch (port) {
                    case 0xE9: out.append((char) (v & 0xFF)); break;
                    case 0xF4: cpuRef[0].requestStop(); break;
                    case 0x61: gate = v & 3; break;
                    case 0x43: latchBytes = 0; armed = -1; break;
                    case 0x42:
                        latch = latchBytes == 0 ? v & 0xFF : latch | (v & 0xFF) << 8;
                        if (++latchBytes == 2) armed = clock.nanos() + latch * 1_000_000_000L / 1_193_182;
                        break;
                    default: break;
                }
            }
        };
        X86Cpu cpu = CpuTestSupport.flat32(ram, io, 0);
        cpuRef[0] = cpu;
        for (int v = 0; v < 32; v++) cpu.setExceptionExit(v, false);
        cpu.setClock(clock);
        cpu.setGpr(X86Cpu.EAX, 0x2BADB002);
        cpu.setGpr(X86Cpu.EBX, 0x9000);
        cpu.setEip(b.getInt(24));
        for (;;) {
            RunResult r = cpu.run(50_000_000);
            if (r == RunResult.STOPPED || r == RunResult.HALTED || r == RunResult.SHUTDOWN || r == RunResult.EXIT) break;
        }
        return out.toString();
    }
}
