package org.oxen.x86.cpu.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Runs an x86bench multiboot kernel and prints its console output, instructions and MIPS.
 * Usage: {@code X86Bench ELF [repeat]}. Not a test: a benchmark main.
 */
public final class X86Bench {

    /** The debug console (0xE9) and QEMU's isa-debug-exit (0xF4) on an otherwise empty bus. */
    public static final class BenchIo implements IoPortDevice {
        public final StringBuilder out = new StringBuilder();
        public volatile boolean exited;
        public int exitCode;
        public X86Cpu cpu;

        @Override
        public int read8(int port) {
            return 0xFF;
        }

        @Override
        public void write8(int port, int value) {
            if (port == 0xE9) {
                out.append((char) (value & 0xFF));
            } else if (port == 0xF4 && !exited) {
                exited = true;
                exitCode = value & 0xFF;
                cpu.requestStop();
            }
        }
    }

    /** Runs the kernel to its exit port; returns the console output. */
    public static BenchIo run(byte[] elf, long maxInstructions) {
        return run(elf, maxInstructions, cpu -> { });
    }

    /** The same, with {@code setup} applied to the CPU after loading (e.g. debug registers). */
    public static BenchIo run(byte[] elf, long maxInstructions, java.util.function.Consumer<X86Cpu> setup) {
        Ram ram = new Ram(64L << 20);
        BenchIo io = new BenchIo();
        X86Cpu cpu = X86Cpu.create(ram, io, CpuOptions.fromSystemProperties());
        io.cpu = cpu;
        MultibootLoader.load(elf, ram, cpu);
        setup.accept(cpu);
        long left = maxInstructions;
        while (!io.exited && left > 0) {
            long before = cpu.instructionCount();
            RunResult r = cpu.run(Math.min(left, 1L << 30));
            left -= cpu.instructionCount() - before;
            if (r != RunResult.INSTRUCTION_LIMIT && r != RunResult.STOPPED) {
                io.out.append("\n[cpu: ").append(r).append(" eip=").append(Integer.toHexString(cpu.eip()))
                        .append(" exit=").append(cpu.lastExit()).append("]\n");
                break;
            }
        }
        io.out.append("[instructions=").append(cpu.instructionCount()).append("]\n");
        io.out.append("[").append(cpu.translationStatistics()).append("]\n");
        return io;
    }

    public static void main(String[] args) throws Exception {
        byte[] elf = Files.readAllBytes(Path.of(args[0]));
        int repeat = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        for (int i = 0; i < repeat; i++) {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            BenchIo io = run(elf, Long.MAX_VALUE);
            long t1 = System.nanoTime();
            long c1 = mx.getCurrentThreadCpuTime();
            System.out.print(io.out);
            System.out.printf("wall=%.3f s cpu=%.3f s%n", (t1 - t0) / 1e9, (c1 - c0) / 1e9);
        }
    }
}
