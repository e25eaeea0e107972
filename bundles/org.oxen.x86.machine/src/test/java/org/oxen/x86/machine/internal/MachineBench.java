package org.oxen.x86.machine.internal;

import java.nio.file.Files;
import java.nio.file.Path;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;

/**
 * Benchmark, not a test: x86bench loop and mix MIPS (paging on) on the board (default PC, real
 * clock, all devices) and on the bare CPU (the CPU branch's X86Bench runner: 64 MiB {@link Ram},
 * a port device with only 0xE9/0xF4, one {@code run(1 << 30)} call), in the same JVM, in turn.
 *
 * <pre>
 * java -cp CLASSPATH org.oxen.x86.machine.internal.MachineBench LOOP_ITERS MIX_ROUNDS [repeats [board|bare|both]]
 * </pre>
 * Run {@code board} and {@code bare} in separate JVMs for figures: in one JVM the CPU's memory
 * call sites see two {@code PhysicalMemory} classes and the JIT profile of one runner taxes the other.
 * Builds x86bench (L0_M0, L{N}_M0, L0_M{R}) under /tmp/oxen-machine-bench and prints, per
 * runner, the best wall time of each image and MIPS = instructions / (t - t_empty), with
 * loop(N) = 6N + 7 and mix(R) = 16,918 + 1,461,543 R (x86bench README).
 */
public final class MachineBench {

    private MachineBench() {
    }

    /** The bare CPU, as org.oxen.x86.cpu.bench.X86Bench runs it. */
    static double bare(byte[] elf) {
        Ram ram = new Ram(64L << 20);
        X86Cpu[] holder = new X86Cpu[1];
        boolean[] exited = new boolean[1];
        IoPortDevice io = new IoPortDevice() {
            @Override
            public int read8(int port) {
                return 0xFF;
            }

            @Override
            public void write8(int port, int value) {
                if (port == 0xF4 && !exited[0]) {
                    exited[0] = true;
                    holder[0].requestStop();
                }
            }
        };
        X86Cpu cpu = X86Cpu.create(ram, io, CpuOptions.fromSystemProperties());
        holder[0] = cpu;
        long t0 = System.nanoTime();
        org.oxen.x86.machine.boot.BootLoader.loadMultiboot(new BootImage("bench", elf, "", java.util.List.of()),
                new org.oxen.x86.bus.PcMemory(ram, ram.size(), new org.oxen.x86.bus.MmioMap()), cpu);
        while (!exited[0]) {
            RunResult r = cpu.run(1L << 30);
            if (r != RunResult.INSTRUCTION_LIMIT && r != RunResult.STOPPED) {
                throw new IllegalStateException("bare CPU: " + r);
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    static double board(MachineManager m, Path elf) throws Exception {
        long t0 = System.nanoTime();
        Board b = m.build(MachineDescription.pc(), BootImage.read(elf), null);
        b.runHere();
        double t = (System.nanoTime() - t0) / 1e9;
        if (b.state() != MachineState.EXITED || b.exitStatus() != 33) {
            throw new IllegalStateException("board: " + b.state() + " " + b.reason());
        }
        return t;
    }

    public static void main(String[] args) throws Exception {
        long loop = Long.parseLong(args[0]);
        int mix = Integer.parseInt(args[1]);
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String mode = args.length > 3 ? args[3] : "both";
        Path dir = Files.createDirectories(Path.of("/tmp/oxen-machine-bench"));
        Path[] elfs = {
            Guests.x86bench(dir, 0, 0, 1).resolve("bench_" + Guests.tag(0, 0, 1) + ".elf"),
            Guests.x86bench(dir, loop, 0, 1).resolve("bench_" + Guests.tag(loop, 0, 1) + ".elf"),
            Guests.x86bench(dir, 0, mix, 1).resolve("bench_" + Guests.tag(0, mix, 1) + ".elf"),
        };
        MachineManager m = TestBoards.manager();
        double[][] best = {{1e9, 1e9, 1e9}, {1e9, 1e9, 1e9}}; // [board|bare][empty|loop|mix]
        for (int r = 0; r < repeats; r++) {
            for (int i = 0; i < 3; i++) {
                byte[] bytes = Files.readAllBytes(elfs[i]);
                if (!mode.equals("bare")) {
                    best[0][i] = Math.min(best[0][i], board(m, elfs[i]));
                }
                if (!mode.equals("board")) {
                    best[1][i] = Math.min(best[1][i], bare(bytes));
                }
            }
            System.out.printf("round %d: board %.3f/%.3f/%.3f s, bare %.3f/%.3f/%.3f s (empty/loop/mix)%n", r + 1,
                    best[0][0], best[0][1], best[0][2], best[1][0], best[1][1], best[1][2]);
        }
        double loopInstr = 6.0 * loop + 7, mixInstr = 16_918 + 1_461_543.0 * mix;
        String[] names = {"board (default PC)", "bare CPU"};
        for (int k = 0; k < 2; k++) {
            if (mode.equals(k == 0 ? "bare" : "board")) {
                continue;
            }
            System.out.printf("%-20s loop %.0f instr %.3f s %.1f MIPS | mix %.0f instr %.3f s %.1f MIPS%n", names[k],
                    loopInstr, best[k][1], loopInstr / (best[k][1] - best[k][0]) / 1e6,
                    mixInstr, best[k][2], mixInstr / (best[k][2] - best[k][0]) / 1e6);
        }
    }
}
