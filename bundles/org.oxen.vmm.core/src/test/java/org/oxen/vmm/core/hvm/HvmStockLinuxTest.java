package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.testing.linux.LinuxGuest;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;

/**
 * Debian's stock i386 kernel with the busybox initramfs as an HVM domain of the hypervisor
 * without OSGi (the itests' StockLinuxTest does it through {@code xl} in a real Felix), with two
 * vcpus and ACPI (the firmware's MADT names both, the DSDT the PCI root bridge; vcpu 1 is
 * started with INIT and STARTUP through the local APIC) and with one and {@code acpi=off} (the
 * MP table): it boots to the shell on COM1, the shell runs what is typed into COM1 and
 * /proc/cpuinfo lists every vcpu (two in one package); with ACPI, {@code poweroff -f} powers the domain off through
 * the DSDT's {@code \_S5} and the FADT's PM1a_CNT. A third case times with the ACPI PM timer
 * ({@code tsc=unstable}: the kernel's clocksource is acpi_pm, as on a loaded host whose
 * clocksource watchdog refused the TSC): it used to block in HLT for good at a command or at the
 * power-off, an hrtimer event of the local APIC's minimum delta cancelled by Linux's next write of
 * the timer's LVT before the hypervisor's device timers ran (LapicTest's
 * aCountThatRanOutBeforeTheTimersRanInterruptsDespiteALaterTimerWrite).
 *
 * <p>Billions of guest instructions: only with {@code OXEN_LINUX_TESTS=1}.
 */
@EnabledIfEnvironmentVariable(named = LinuxGuest.ENABLE, matches = "1|true|yes")
class HvmStockLinuxTest {

    static final Duration BOOT = Duration.ofMinutes(Long.getLong("oxen.linux.bootMinutes", 25));

    @ParameterizedTest(name = "{0} vcpu(s), ACPI {1}, extra command line ''{2}''")
    @CsvSource({"2, true, ''", "1, false, ''", "1, true, tsc=unstable"})
    void bootsToTheShellAndRunsTypedCommands(int vcpus, boolean acpi, String extra) throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(256L << 20, 2, new CreditFactory()));
        try {
            String cmdline = (acpi ? LinuxGuest.CMDLINE : LinuxGuest.CMDLINE_NO_ACPI) + (extra.isEmpty() ? "" : " " + extra);
            Domain d = vmm.create(DomainConfig.builder("linux").type(DomainType.HVM).kernel(LinuxGuest.kernel())
                    .ramdisk(LinuxGuest.initramfs()).cmdline(cmdline).memoryMiB(160).vcpus(vcpus).build());
            String boot = await(vmm, d, LinuxGuest.PROMPT, 0, BOOT);
            assertTrue(boot.contains("tsc: Detected 1000.000 MHz processor"), boot);
            assertEquals(List.of(), acpi ? LinuxGuest.acpiBootProblems(boot) : LinuxGuest.mpTableBootProblems(boot), boot);
            assertTrue(boot.contains("smp: Brought up 1 node, " + vcpus + " CPU"), boot);
            if (extra.contains("tsc=unstable")) assertTrue(boot.contains("clocksource: Switched to clocksource acpi_pm"), boot);
            int from = d.consoleOutput().length();
            // sleep: an hrtimer the kernel waits for in HLT, on the PM timer's clock in the third case
            byte[] keys = "uname -a; cat /proc/cpuinfo; sleep 1; echo $((6*7))\r".getBytes(StandardCharsets.US_ASCII);
            assertEquals(keys.length, d.consoleInput(keys, 0, keys.length));
            String out = await(vmm, d, "\n42\r\n", from, Duration.ofMinutes(5)).substring(from);
            assertTrue(out.matches("(?s).*Linux \\S+ 6\\.1\\.\\S+-686 #1 SMP PREEMPT_DYNAMIC Debian .* i686 GNU/Linux\r\n.*"),
                    out);
            for (int c = 0; c < vcpus; c++) assertTrue(out.contains("processor\t: " + c + "\r\n"), out);
            assertFalse(out.contains("processor\t: " + vcpus + "\r\n"), out);
            if (vcpus > 1) {
                // the vcpus are cores of one package (CPUID leaves 1, 4 and 0xB), as the board's CPUs
                assertTrue(boot.contains("smpboot: Max logical packages: 1"), boot);
                assertEquals(vcpus, out.split("physical id\t: 0\r\n", -1).length - 1, out);
                assertEquals(vcpus, out.split("cpu cores\t: " + vcpus + "\r\n", -1).length - 1, "cores, not threads:\n" + out);
                for (int c = 0; c < vcpus; c++) assertTrue(out.contains("core id\t\t: " + c + "\r\n"), out);
                assertFalse(boot.contains("SMT on"), "no SMT siblings (\"MDS CPU bug present and SMT on\"):\n" + boot);
            }
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
            assertFalse(d.awaitShutdown(0, TimeUnit.SECONDS));
            if (acpi) {
                // Linux powers off through ACPI: \_S5's SLP_TYP with SLP_EN into the FADT's PM1a_CNT
                keys = "poweroff -f\r".getBytes(StandardCharsets.US_ASCII);
                assertEquals(keys.length, d.consoleInput(keys, 0, keys.length));
                assertTrue(d.awaitShutdown(5, TimeUnit.MINUTES), d.consoleOutput());
                assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
                assertTrue(d.consoleOutput().contains("reboot: Power down"), d.consoleOutput());
                assertTrue(vmm.dmesg().stream().anyMatch(l -> l.contains("HVM ACPI power off requested")),
                        String.join("\n", vmm.dmesg()));
            }
        } finally {
            vmm.shutdown();
        }
    }

    private static String await(Vmm vmm, Domain d, String what, int from, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        int shown = 0;
        boolean verbose = Boolean.getBoolean("oxen.linux.verbose");
        while (System.nanoTime() < end) {
            String t = d.consoleOutput();
            if (verbose && t.length() > shown) {
                System.out.print(t.substring(shown));
                System.out.flush();
                shown = t.length();
            }
            if (t.indexOf(what, from) >= 0) return t;
            if (d.awaitShutdown(0, TimeUnit.SECONDS)) break;
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + what + "' within " + limit + " (" + d.vcpus().get(0).instructions()
                + " instructions on vcpu 0):\n" + d.consoleOutput() + "\n--- dmesg:\n" + String.join("\n", vmm.dmesg()));
    }
}
