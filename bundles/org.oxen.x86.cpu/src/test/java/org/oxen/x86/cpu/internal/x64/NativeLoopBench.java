package org.oxen.x86.cpu.internal.x64;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.bench.MultibootLoader;
import org.oxen.x86.cpu.bench.X86Bench;

/**
 * x86bench's loop kernel three ways in one JVM, for docs/PERFORMANCE.md "A native backend: first
 * figures": the whole loop image through the JVM translator (X86Bench, warm runs), and the same
 * image's {@code workload_loop} function (the guest's own bytes, loaded from the ELF) called
 * natively through {@link NativeRegionCompiler} and {@code NativeCode.call}, with the same
 * iteration count; each run's emulating-thread CPU time and MIPS, and both checksums (the
 * function's EAX, the kernel's printed result). Not a test: a benchmark main, run by
 * benchmarks/native/run.sh beside QEMU TCG.
 *
 * <p>Usage: {@code NativeLoopBench LOOP_ELF ITERATIONS RUNS [PASSES]}: PASSES is the budget of
 * one native call in loop-head passes (default 65,536: about 393,000 instructions per call, so
 * the region is left and entered again as a dispatcher would between event checks).
 */
public final class NativeLoopBench {

    public static void main(String[] args) throws Exception {
        byte[] elf = Files.readAllBytes(Path.of(args[0]));
        int iterations = Integer.parseUnsignedInt(args[1]);
        int runs = Integer.parseInt(args[2]);
        long passes = args.length > 3 ? Long.parseLong(args[3]) : 65_536;
        int function = symbol(args[0], "workload_loop");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();

        for (int run = 1; run <= runs; run++) {
            long c0 = mx.getCurrentThreadCpuTime();
            X86Bench.BenchIo io = X86Bench.run(elf, Long.MAX_VALUE);
            long c1 = mx.getCurrentThreadCpuTime();
            long insns = instructions(io.out.toString());
            System.out.printf("translator run %d: %s instructions=%d cpu=%.3f s MIPS=%.0f%n", run,
                    result(io.out.toString()), insns, (c1 - c0) / 1e9, insns / ((c1 - c0) / 1e3));
        }

        Ram image = new Ram(64L << 20);
        MultibootLoader.load(elf, image, X86Cpu.create(image, new X86Bench.BenchIo(), CpuOptions.INTERPRETER));
        byte[] low = new byte[NativeRunner.RAM_BYTES];
        for (int a = 0; a < low.length; a += 4) {
            int v = image.read32(a);
            low[a] = (byte) v;
            low[a + 1] = (byte) (v >>> 8);
            low[a + 2] = (byte) (v >>> 16);
            low[a + 3] = (byte) (v >>> 24);
        }
        int hlt = 0x8000, stack = 0x9000 - 8;
        for (int run = 1; run <= runs; run++) {
            try (NativeRunner n = new NativeRunner()) {
                n.load(0, low);
                n.load(hlt, new byte[] {(byte) 0xF4});
                n.load(stack, new byte[] {0, (byte) 0x80, 0, 0, (byte) iterations, (byte) (iterations >>> 8),
                        (byte) (iterations >>> 16), (byte) (iterations >>> 24)}); // return address, the argument
                int[] gpr = new int[8];
                gpr[X86Cpu.ESP] = stack;
                n.setState(gpr, function, 0x202);
                long c0 = mx.getCurrentThreadCpuTime();
                n.run(hlt, passes);
                long c1 = mx.getCurrentThreadCpuTime();
                if (n.stopReason != 0) throw new IllegalStateException("the native run stopped early: reason " + n.stopReason);
                System.out.printf("native run %d: result=%08x instructions=%d calls=%d regions=%d cpu=%.3f s MIPS=%.0f%n", run,
                        n.gpr(X86Cpu.EAX), n.retired(), n.calls, n.compiled, (c1 - c0) / 1e9, n.retired() / ((c1 - c0) / 1e3));
            }
        }
    }

    /** The address of {@code name} in the ELF, by binutils' nm. */
    private static int symbol(String elf, String name) throws Exception {
        Process p = new ProcessBuilder("nm", elf).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 3 && f[2].equals(name)) return Integer.parseUnsignedInt(f[0], 16);
        }
        throw new IllegalArgumentException(elf + " has no symbol " + name);
    }

    private static long instructions(String out) {
        int at = out.indexOf("[instructions=");
        return Long.parseLong(out.substring(at + 14, out.indexOf(']', at)));
    }

    private static String result(String out) {
        for (String line : out.split("\n")) if (line.startsWith("loop")) return line.trim();
        return "(no loop line)";
    }
}
