package org.oxen.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.oxen.guests.GuestImages.Flavor;

/**
 * Every native program boots under Debian's qemu-system-i386 (TCG) with
 * isa-debugcon on port 0xE9 and isa-debug-exit on port 0xF4, prints
 * "RESULT: PASS" last and makes QEMU exit with status 33 ((0x10 << 1) | 1).
 * A failing program exits 35 ((0x11 << 1) | 1). guests/setup-host.sh
 * installs QEMU (the Maven build runs it before make).
 */
class NativeQemuTest {
    static final int EXIT_PASS = 33, EXIT_FAIL = 35;

    /** Command lines the programs are run with (default: none). */
    static final Map<String, String> CMDLINES = Map.of(
            "hello", "greeting=hi expect_mem_mib=64",
            "cpubench", "loop=100000 mix=2 expect=0x58c9852b",
            // QEMU's clock is the host's: a loaded host delays its vCPU threads, not the clock
            "hvmsmp", "count=5 stall_checks=50 ipi_wait=2000");

    /**
     * Programs whose checks are timed (timer: one-shot deadlines, the PIT's periodic rate, the
     * RTC's rate against the PIT) run on QEMU's instruction-count clock: virtual time is 8 ns a
     * guest instruction, the TSC, PIT and (with {@code -rtc clock=vm}) the RTC follow it, and an
     * idle guest's wait jumps to the next timer ({@code sleep=off}). On the host's clock a
     * loaded host (load 30) stalls QEMU for longer than the periods, and QEMU drops the PIT and
     * RTC ticks it missed: "32 RTC interrupts during 20 PIT ticks" then failed a correct guest.
     * Not for every program: singlestep counts one #DB more under icount (a QEMU difference).
     */
    static final Map<String, List<String>> QEMU_OPTIONS = Map.of(
            "timer", List.of("-icount", "shift=3,sleep=off", "-rtc", "clock=vm"),
            // two CPUs (not under -icount: its round robin never switches from a busy CPU 0)
            "hvmsmp", List.of("-smp", "2"));

    record Run(int exit, String output) {
        String lastLine() {
            List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    /**
     * Programs not run here: xenhvm needs a hypervisor (Xen's HVM platform interface; on plain
     * QEMU it fails, see below), serial waits for keys at its COM1 (HvmSerialTest and
     * XlHvmDomainTest type them), gdbtarget for a debugger (HvmDebugTest), logdirty for Domain-0's
     * mailbox writes (LogDirtyTest), hvmhostile and hvmfuzz for Xen and its victims (HvmIsolationTest), hvmballoon for
     * Xen's reservation ops (HvmBalloonTest), hvmgrant waits for
     * Domain-0 to map its grants (HvmGrantTest), acpipower ends the machine without a RESULT line
     * (MachineCommandTest, HvmAcpiPowerTest), blktest and netecho are PV drivers on Xen's HVM
     * platform interface with backends to talk to (XlHvmPvDriversTest), hvmmapgrant maps a PV
     * granter's grants (HvmGranteeTest).
     */
    static final Set<String> NOT_ALONE = Set.of("xenhvm", "serial", "gdbtarget", "logdirty", "hvmhostile", "hvmfuzz",
            "hvmballoon", "acpipower", "hvmgrant", "blktest", "netecho", "hvmmapgrant");

    static Stream<String> programs() {
        return GuestImages.names(Flavor.NATIVE).stream().filter(n -> !NOT_ALONE.contains(n));
    }

    static String qemu() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "qemu-system-i386");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail("qemu-system-i386 not found on PATH; run guests/setup-host.sh (as root)");
    }

    static Run boot(Path dir, String name, String cmdline) throws IOException, InterruptedException {
        Path image = dir.resolve(name + ".elf");
        Files.write(image, GuestImages.load(Flavor.NATIVE, name));
        Path console = dir.resolve(name + ".debugcon");
        Path log = dir.resolve(name + ".qemu.log");
        Files.deleteIfExists(console);
        long timeout = Long.getLong("guests.qemu.timeout", 120);
        List<String> command = new ArrayList<>(List.of(qemu(), "-nodefaults", "-no-user-config", "-accel", "tcg"));
        command.addAll(QEMU_OPTIONS.getOrDefault(name, List.of()));
        command.addAll(List.of("-m", "64", "-display", "none", "-monitor", "none", "-serial", "none", "-no-reboot",
                "-kernel", image.toString(), "-append", cmdline,
                "-chardev", "file,id=dbg,path=" + console,
                "-device", "isa-debugcon,iobase=0xe9,chardev=dbg",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4"));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(name + ": no exit within " + timeout + " s; console so far:\n" + read(console));
        }
        String out = read(console);
        if (p.exitValue() != EXIT_PASS && p.exitValue() != EXIT_FAIL) {
            out += "\n[qemu log]\n" + read(log);
        }
        return new Run(p.exitValue(), out);
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void bootsUnderQemuAndPasses(String name, @TempDir Path dir) throws Exception {
        Run run = boot(dir, name, CMDLINES.getOrDefault(name, ""));
        assertEquals("RESULT: PASS", run.lastLine(), name + " output:\n" + run.output());
        assertEquals(EXIT_PASS, run.exit(), "qemu exit status; output:\n" + run.output());
        switch (name) {
            case "hello" -> {
                assertTrue(run.output().contains("hello: flavor=native"), run.output());
                assertTrue(run.output().contains("cmdline=\"greeting=hi expect_mem_mib=64\""), run.output());
            }
            case "cpubench" -> assertTrue(run.output().contains(
                    "cpubench: flavor=native loop=100000 mix=2 checksum=0x58c9852b insns=3540011 ns="),
                    run.output());
            default -> { }
        }
    }

    @Test
    void xenhvmWithoutXenFindsNoXenLeavesAndFails(@TempDir Path dir) throws Exception {
        Run run = boot(dir, "xenhvm", "");
        assertEquals("RESULT: FAIL no Xen signature in CPUID 0x40000000..", run.lastLine(), run.output());
        assertEquals(EXIT_FAIL, run.exit(), run.output());
    }

    @Test
    void aFailingProgramSaysWhyAndExits35(@TempDir Path dir) throws Exception {
        Run run = boot(dir, "hello", "expect_mem_mib=65");
        assertTrue(run.lastLine().startsWith("RESULT: FAIL memory size"), run.output());
        assertEquals(EXIT_FAIL, run.exit(), run.output());
    }
}
