package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;
import org.oxen.testing.linux.LinuxGuest;

/**
 * Debian's stock i386 kernel (linux-image-686) with a busybox initramfs boots on the bare
 * machine to a shell on COM1, and runs what is typed into COM1 through the machine's own
 * console input path (a {@code tcp:} console: what {@code machine boot --serial tcp:PORT}
 * gives a user). The kernel decompresses itself (the real bzImage path), finds the CPU's
 * features, the TSC's rate and the local APIC in CPUID, the e820 map, the PCI host bridge, the
 * RTC and the 16550A, unpacks the initramfs and runs /init. With two CPUs and ACPI it finds
 * both in the firmware's MADT, enables the ACPI interpreter over the DSDT (the PCI root bridge
 * and its interrupt routing), finds the PM timer through the FADT, complains about nothing, and starts the
 * second CPU with INIT and STARTUP IPIs; with one and {@code acpi=off} it reads the MP table.
 * With ACPI, {@code poweroff -f} ends the machine through the DSDT's {@code \_S5} and the FADT's
 * PM1a_CNT.
 *
 * <p>The two-CPU boot runs on the instruction clock ({@code clock=deterministic:1}: the TSC and
 * every timer follow retired instructions, one nanosecond each), so the guest's time follows its
 * progress. On the real clock, a host loaded enough to give the machine's thread a few percent
 * of a core makes guest time run a hundred times ahead of the guest's work: the kernel's own
 * bounded waits expire before the work they wait for is done (the crypto manager's 60 s wait for
 * an algorithm's self-test: "Problem loading in-kernel X.509 certificate (-110)"; a 120 s hung-task
 * report behind trace_event_sem while the trace events' eval-map update runs; the clocksource
 * watchdog marking the TSC unstable, the PM timer refused at "177% of normal"), and the boot
 * crawls on past the test's limit. On the instruction clock the same kernel, initramfs and board
 * boot cleanly in 7.0 billion instructions, as Debian's qemu-system-i386 {@code -smp 2} does.
 * The one-CPU boot stays on the real clock, the one {@code machine boot} uses by default.
 *
 * <p>A boot is about 6.5 billion guest instructions (the kernel's XZ decompression alone is
 * a third of them): minutes of CPU, many more on a loaded host. So it runs only when asked:
 * {@code OXEN_LINUX_TESTS=1 ./oxen test} (or {@code mvn verify}); the figures of a boot are in
 * docs/PERFORMANCE.md.
 */
@EnabledIfEnvironmentVariable(named = LinuxGuest.ENABLE, matches = "1|true|yes")
class StockLinuxTest {

    /** Boot to prompt: about a minute on an idle core, many more when the host is loaded. */
    static final Duration BOOT = Duration.ofMinutes(Long.getLong("oxen.linux.bootMinutes", 25));

    @ParameterizedTest(name = "{0} CPU(s), ACPI {1}")
    @CsvSource({"2, true", "1, false"})
    void debianKernelBootsToAShellAndRunsTypedCommands(int cpus, boolean acpi) throws Exception {
        byte[] kernel = LinuxGuest.kernel();
        byte[] initrd = LinuxGuest.initramfs();
        int port = freePort();
        MachineDescription d = MachineDescription.parse("pc\nram=256\ncpus=" + cpus + (cpus > 1 ? "\nclock=deterministic:1" : "")
                + "\ncom1 console=tcp:" + port);
        Machine m = TestBoards.manager().boot(d, new BootImage("vmlinuz", kernel, acpi ? LinuxGuest.CMDLINE : LinuxGuest.CMDLINE_NO_ACPI,
                List.of(new BootImage.Module("initramfs", initrd))), null);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream keys = s.getOutputStream();
            String boot = awaitConsole(m, LinuxGuest.PROMPT, 0, BOOT);
            // kept for reading after the run (a boot takes many minutes; the assertions below print it only on failure)
            java.nio.file.Files.writeString(java.nio.file.Path.of("target", "stock-linux-" + cpus + (acpi ? "-acpi" : "") + ".log"), boot);
            assertTrue(boot.contains("Linux version 6."), boot);
            assertTrue(boot.contains("tsc: Detected 1000.000 MHz processor"), "the TSC's rate from CPUID:\n" + boot);
            assertTrue(boot.contains(LinuxGuest.READY), boot);
            assertEquals(List.of(), acpi ? LinuxGuest.acpiBootProblems(boot) : LinuxGuest.mpTableBootProblems(boot), boot);
            assertTrue(boot.contains("smp: Brought up 1 node, " + cpus + " CPU"), "every CPU from the firmware's tables:\n" + boot);

            int from = m.console().length();
            keys.write("uname -a; cat /proc/cpuinfo; echo $((6*7))\r".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            String out = awaitConsole(m, "\n42\r\n", from, Duration.ofMinutes(5));
            out = out.substring(from);
            assertTrue(out.matches("(?s).*Linux \\S+ 6\\.1\\.\\S+-686 #1 SMP PREEMPT_DYNAMIC Debian .* i686 GNU/Linux\r\n.*"),
                    out);
            assertTrue(out.contains("vendor_id\t: GenuineIntel"), out);
            assertTrue(out.contains("model name\t: oxen virtual CPU"), out);
            assertTrue(out.contains("cpu MHz\t\t: 1000.000"), out);
            for (int c = 0; c < cpus; c++) assertTrue(out.contains("processor\t: " + c + "\r\n"), out);
            if (cpus > 1) {
                // cores of one package (CPUID leaf 1's HTT and logical count, leaves 4 and 0xB):
                // the second CPU's delay loop is its sibling's, not timed against jiffies
                assertTrue(boot.contains("smpboot: Max logical packages: 1"), boot);
                assertEquals(cpus, out.split("physical id\t: 0\r\n", -1).length - 1, out);
                assertTrue(out.contains("siblings\t: " + cpus + "\r\n"), out);
                assertEquals(cpus, out.split("cpu cores\t: " + cpus + "\r\n", -1).length - 1, "cores, not threads:\n" + out);
                for (int c = 0; c < cpus; c++) assertTrue(out.contains("core id\t\t: " + c + "\r\n"), out);
                assertTrue(!boot.contains("SMT on"), "no SMT siblings (\"MDS CPU bug present and SMT on\"):\n" + boot);
            }
            String flags = out.replaceAll("(?s).*\nflags\t\t: ([^\r\n]*).*", "$1");
            for (String f : new String[] {"fpu", "tsc", "msr", "pae", "cx8", "apic", "cmov", "fxsr"}) {
                assertTrue((" " + flags + " ").contains(" " + f + " "), f + " missing from flags: " + flags);
            }
            assertEquals(MachineState.RUNNING, m.state(), m.reason());
            if (acpi) {
                // Linux powers off through ACPI: \_S5's SLP_TYP with SLP_EN into the FADT's PM1a_CNT
                from = m.console().length();
                keys.write("poweroff -f\r".getBytes(StandardCharsets.US_ASCII));
                keys.flush();
                long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                while (m.state() == MachineState.RUNNING && System.nanoTime() < end) Thread.sleep(200);
                assertEquals(MachineState.EXITED, m.state(), m.reason() + ":\n" + m.console().substring(from));
                assertEquals("ACPI power off (S5)", m.reason());
                assertTrue(m.console().substring(from).contains("reboot: Power down"), m.console().substring(from));
            }
        } finally {
            m.stop();
        }
    }

    /** Waits until the machine's COM1 output from {@code from} on contains {@code text}; returns all of it. */
    static String awaitConsole(Machine m, String text, int from, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            String c = m.console();
            if (c.indexOf(text, from) >= 0) return c;
            if (m.state() != MachineState.RUNNING) break;
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + text + "' on COM1 within " + limit + " (machine " + m.state() + " "
                + m.reason() + ", " + m.instructions() + " instructions):\n" + m.console());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
