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
 * An x86bench image three ways in one JVM, for docs/PERFORMANCE.md "A native backend: first
 * figures", each run's emulating-thread CPU time, instructions, MIPS and checksum:
 * <ul>
 * <li>{@code translator}: the whole image through the JVM tiers (X86Bench, warm runs);
 * <li>{@code native+interp}: the whole image through native regions ({@link NativeRegionCompiler},
 * {@code NativeCode.call}), every instruction outside the native subset (the kernel's start-up,
 * paging on, port output, 16-bit stores, ...) through the interpreter one at a time
 * ({@link NativeRunner#attach});
 * <li>{@code native loop} (with ITERATIONS): the image's {@code workload_loop} function alone (the
 * guest's own bytes from the ELF) called natively with that iteration count.
 * </ul>
 * Not a test: a benchmark main, run by benchmarks/native/run.sh beside QEMU TCG.
 *
 * <p>Usage: {@code NativeBench ELF RUNS [ITERATIONS [PASSES]]}: PASSES is the budget of one native
 * call, the instructions after which a check point leaves (default 393,216: the loop's region is
 * left and entered again about every 393,000 instructions, as a dispatcher would between event
 * checks).
 */
public final class NativeBench {

    public static void main(String[] args) throws Exception {
        byte[] elf = Files.readAllBytes(Path.of(args[0]));
        int runs = Integer.parseInt(args[1]);
        int iterations = args.length > 2 ? Integer.parseUnsignedInt(args[2]) : -1;
        long passes = args.length > 3 ? Long.parseLong(args[3]) : 393_216;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();

        for (int run = 1; run <= runs; run++) {
            long c0 = mx.getCurrentThreadCpuTime();
            X86Bench.BenchIo io = X86Bench.run(elf, Long.MAX_VALUE);
            long c1 = mx.getCurrentThreadCpuTime();
            long insns = instructions(io.out.toString());
            System.out.printf("translator run %d: %s instructions=%d cpu=%.3f s MIPS=%.0f%n", run,
                    result(io.out.toString()), insns, (c1 - c0) / 1e9, insns / ((c1 - c0) / 1e3));
        }
        try (NativeRunner n = new NativeRunner(64 << 20, java.util.function.UnaryOperator.identity())) {
            for (int run = 1; run <= runs; run++) wholeImage(n, elf, run, passes, mx); // run 1 compiles, later runs reuse
        }
        if (iterations >= 0) loopFunction(args[0], elf, iterations, runs, passes, mx);
    }

    /** The whole image natively on {@code n}, the interpreter taking what native code does not. */
    private static void wholeImage(NativeRunner n, byte[] elf, int run, long passes, ThreadMXBean mx) {
        int ramBytes = n.ramBytes;
        n.reset();
        {
            X86Bench.BenchIo io = new X86Bench.BenchIo();
            X86Cpu cpu = X86Cpu.create(n.memory(), io, CpuOptions.INTERPRETER);
            io.cpu = cpu;
            Ram image = new Ram(ramBytes);
            MultibootLoader.load(elf, image, cpu);
            n.load(0, bytes(image, ramBytes));
            int[] gpr = new int[8];
            for (int g = 0; g < 8; g++) gpr[g] = cpu.gpr(g);
            n.setState(gpr, cpu.eip(), cpu.eflags());
            n.attach(cpu);
            long c0 = mx.getCurrentThreadCpuTime();
            n.run(() -> io.exited, passes);
            long c1 = mx.getCurrentThreadCpuTime();
            long insns = n.retired() + n.interpreted;
            System.out.printf("native+interp run %d: %s instructions=%d (native %d, interpreted %d) calls=%d regions=%d cpu=%.3f s MIPS=%.0f%n",
                    run, result(io.out.toString()), insns, n.retired(), n.interpreted, n.calls, n.compiled, (c1 - c0) / 1e9,
                    insns / ((c1 - c0) / 1e3));
        }
    }

    private static byte[] bytes(Ram ram, int n) {
        byte[] out = new byte[n];
        for (int a = 0; a < n; a += 4) {
            int v = ram.read32(a);
            out[a] = (byte) v;
            out[a + 1] = (byte) (v >>> 8);
            out[a + 2] = (byte) (v >>> 16);
            out[a + 3] = (byte) (v >>> 24);
        }
        return out;
    }

    /** The image's workload_loop alone, called natively with {@code iterations}. */
    private static void loopFunction(String path, byte[] elf, int iterations, int runs, long passes, ThreadMXBean mx)
            throws Exception {
        int function = symbol(path, "workload_loop");

        Ram image = new Ram(64L << 20);
        MultibootLoader.load(elf, image, X86Cpu.create(image, new X86Bench.BenchIo(), CpuOptions.INTERPRETER));
        byte[] low = bytes(image, NativeRunner.RAM_BYTES);
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
                System.out.printf("native loop run %d: result=%08x instructions=%d calls=%d regions=%d cpu=%.3f s MIPS=%.0f%n", run,
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
        StringBuilder s = new StringBuilder();
        for (String line : out.split("\n")) if (line.startsWith("loop") || line.startsWith("mix")) s.append(line.trim()).append(' ');
        return s.length() == 0 ? "(no result line)" : s.toString().trim();
    }
}
