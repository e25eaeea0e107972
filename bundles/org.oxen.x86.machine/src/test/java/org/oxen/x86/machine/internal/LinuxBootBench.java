package org.oxen.x86.machine.internal;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.oxen.testing.linux.LinuxGuest;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;

/**
 * Benchmark, not a test: Debian's i386 kernel + the busybox initramfs from power-on to the
 * shell's prompt on COM1, on oxen's bare machine and on Debian's qemu-system-i386 (TCG, one
 * CPU, the same kernel, initramfs and command line, {@code -kernel/-initrd/-append}), in turn,
 * in the same run. Prints wall time to the prompt, oxen's guest instruction count and the host
 * load average at the start of each boot (figures in docs/PERFORMANCE.md).
 *
 * <p>Runners: {@code oxen}, the board inside this JVM (with this JVM's flags: the JVM's default
 * tiered C2 unless given others); {@code cli}, {@code ./oxen machine boot} of the tree the
 * working directory is in as its own process, what a user types (the launcher's JIT flags and
 * start-up cache; build the cache with one run first), its CPU read as QEMU's is; {@code qemu}.
 *
 * <pre>
 * java -cp CLASSPATH org.oxen.x86.machine.internal.LinuxBootBench [rounds [oxen|qemu|both|cli|RUNNER,RUNNER...]]
 * </pre>
 */
public final class LinuxBootBench {

    private LinuxBootBench() {
    }

    /**
     * The bare machine's boot to the prompt with {@code cpus} CPUs; prints and returns the wall
     * seconds. Two or more CPUs run on the instruction clock ({@code clock=deterministic:1}), as
     * the two-CPU case of {@code StockLinuxTest} does (docs/ARCHITECTURE.md, "A stock Linux").
     */
    public static double oxen(byte[] kernel, byte[] initrd, int cpus) throws Exception {
        long t0 = System.nanoTime(), c0 = cpuNanos();
        MachineDescription board = cpus == 1 ? MachineDescription.pc().withRam(256)
                : MachineDescription.parse("pc\nram=256\ncpus=" + cpus + "\nclock=deterministic:1");
        Machine m = TestBoards.manager().boot(board, new BootImage("vmlinuz", kernel,
                LinuxGuest.CMDLINE, List.of(new BootImage.Module("initramfs", initrd))), null);
        try {
            while (!m.console().contains(LinuxGuest.PROMPT)) {
                if (m.state() != MachineState.RUNNING) throw new IllegalStateException(m.reason() + "\n" + m.console());
                Thread.sleep(50);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("oxen bare machine (%d CPU%s): prompt after %.1f s wall, %.1f s CPU (the JVM's, JIT and GC"
                    + " included), %,d guest instructions%n", cpus, cpus == 1 ? "" : "s, instruction clock", s,
                    (cpuNanos() - c0) / 1e9, m.instructions());
            return s;
        } finally {
            m.stop();
        }
    }

    /**
     * What QEMU's kernel is given beyond the tests' command line: {@code no_timer_check}. Under
     * TCG on a loaded host Linux's check_timer (does the PIT reach the CPU through the I/O APIC
     * within a few of its own delay loops?) sometimes fails and panics ("IO-APIC + timer doesn't
     * work!": every QEMU boot of session 7 at load 32); the option skips that check and nothing else.
     */
    static final String QEMU_EXTRA = " no_timer_check";

    /**
     * qemu-system-i386 (TCG, the pc machine without its HPET, which oxen's board does not have
     * either) booting the same files to the prompt with {@code cpus} CPUs ({@code -smp}); prints
     * and returns the wall seconds.
     */
    public static double qemu(Path kernel, Path initrd, int cpus) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("qemu-system-i386", "-accel", "tcg", "-machine", "pc,hpet=off", "-m", "256", "-smp",
                Integer.toString(cpus), "-nographic",
                "-no-reboot", "-serial", "stdio", "-monitor", "none", "-display", "none", "-kernel", kernel.toString(),
                "-initrd", initrd.toString(), "-append", LinuxGuest.CMDLINE + QEMU_EXTRA).redirectErrorStream(true).start();
        return untilPrompt(p, t0, "qemu-system-i386 (TCG, -smp " + cpus + ")");
    }

    /**
     * Reads {@code p}'s output (started at {@code t0}) until the shell's prompt, prints {@code
     * what}'s wall and CPU seconds to it and returns the wall seconds; the process is killed after.
     */
    private static double untilPrompt(Process p, long t0, String what) throws Exception {
        try (InputStream in = p.getInputStream()) {
            StringBuilder seen = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                seen.append((char) c);
                if (c == '\n' && seen.indexOf("---[ end Kernel panic") >= 0) break; // it would wait forever
                if (c == ' ' && seen.toString().endsWith(LinuxGuest.PROMPT)) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("%s: prompt after %.1f s wall, %.1f s CPU%n", what, s, cpuSeconds(p.pid()));
                    return s;
                }
            }
            throw new IllegalStateException(what + " ended without a prompt:\n" + seen);
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code ./oxen machine boot} of the tree at {@code root} booting the same files to the prompt
     * on {@code --serial stdio}, as its own process (JVM start, the launcher, Felix and the job
     * included); prints and returns the wall seconds.
     */
    public static double cli(Path root, Path kernel, Path initrd) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(root.resolve("oxen").toString(), "machine", "boot", kernel.toString(), "-m", "256",
                "--cmdline", LinuxGuest.CMDLINE, "--module", initrd.toString(), "--serial", "stdio").directory(root.toFile())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        return untilPrompt(p, t0, "oxen ./oxen machine boot (" + root + ", the whole process)");
    }

    /** The tree the working directory is in: the first ancestor with the {@code oxen} script and a built runtime. */
    static Path tree() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("oxen")) && Files.isDirectory(d.resolve("runtime/target"))) return d;
        }
        throw new IllegalStateException("no oxen tree with a built runtime above " + Path.of("").toAbsolutePath()
                + " (./oxen build first)");
    }

    /** This JVM's CPU time, all threads. */
    public static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** A child's user + system CPU time from /proc/PID/stat (clock ticks of 1/100 s). */
    private static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    public static String load() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }

    /** One boot of a benchmark's round: {@code which} of its runners, the kernel and initramfs as bytes and as files (for QEMU). */
    @FunctionalInterface
    public interface Boot {
        void run(String which, byte[] kernel, byte[] initrd, Path kernelFile, Path initrdFile) throws Exception;
    }

    /**
     * A boot benchmark's run: the kit's Linux guest (kernel and initramfs, also written to
     * temporary files for QEMU) and its versions printed, then {@code rounds} rounds of each of
     * {@code which} in turn, the load average before each boot and at the end.
     */
    public static void rounds(int rounds, List<String> which, Boot boot) throws Exception {
        byte[] kernel = LinuxGuest.kernel();
        byte[] initrd = LinuxGuest.initramfs();
        Path dir = Files.createTempDirectory("oxen-linux-bench");
        Path k = Files.write(dir.resolve("vmlinuz"), kernel);
        Path i = Files.write(dir.resolve("initramfs.gz"), initrd);
        System.out.println(LinuxGuest.versions().replace('\n', ' '));
        for (int r = 0; r < rounds; r++) {
            for (String w : which) {
                System.out.println("load average " + load());
                boot.run(w, kernel, initrd, k, i);
            }
        }
        System.out.println("load average " + load());
        Files.delete(k);
        Files.delete(i);
        Files.delete(dir);
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        String which = args.length > 1 ? args[1] : "both";
        List<String> runners = which.equals("both") ? List.of("qemu", "oxen") : List.of(which.split(","));
        for (String w : runners) {
            if (!List.of("qemu", "oxen", "cli").contains(w)) throw new IllegalArgumentException("runner " + w + ": qemu, oxen or cli");
        }
        rounds(rounds, runners, (w, kernel, initrd, k, i) -> {
            switch (w) {
                case "qemu" -> qemu(k, i, 1);
                case "cli" -> cli(tree(), k, i);
                default -> oxen(kernel, initrd, 1);
            }
        });
        System.exit(0);
    }
}
