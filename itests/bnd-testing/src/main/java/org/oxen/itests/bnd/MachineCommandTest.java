package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The board as a user meets it: {@code machine boot} in a real Gogo session boots a multiboot
 * kernel (assembled here with GNU as/ld) on the device bundles the runtime resolves, prints
 * its serial output and its exit status.
 */
class MachineCommandTest {

    /** Prints on COM1 (polling the line status register) and exits through port 0xF4 with 0x2A. */
    static final String HELLO = """
            .text
            .code32
            .globl _start
            _start: jmp 1f
            .align 4
            .long 0x1BADB002, 0, -0x1BADB002
            1:  movl $msg, %esi
            2:  lodsb
                testb %al, %al
                jz 3f
                movb %al, %ah
                movw $0x3FD, %dx
            4:  inb %dx, %al
                testb $0x20, %al
                jz 4b
                movw $0x3F8, %dx
                movb %ah, %al
                outb %al, %dx
                jmp 2b
            3:  movb $0x2A, %al
                outb %al, $0xF4
                cli
                hlt
            msg: .asciz "hello from oxen\\n"
            """;

    /** Spins until stopped. */
    static final String SPIN = """
            .text
            .code32
            .globl _start
            _start: jmp 1f
            .align 4
            .long 0x1BADB002, 0, -0x1BADB002
            1:  pause
                jmp 1b
            """;

    /** A hot loop over memory (the CPU translates it to JVM bytecode), exits with the low byte of its sum. */
    static final String HOT = """
            .text
            .code32
            .globl _start
            _start: jmp 1f
            .align 4
            .long 0x1BADB002, 0, -0x1BADB002
            1:  xorl %eax, %eax
                movl $200000, %ecx
                movl $buf, %edi
            2:  addl %ecx, %eax
                movl %eax, (%edi)
                xorl (%edi), %eax
                addl %ecx, %eax
                roll $3, %eax
                decl %ecx
                jnz 2b
                outb %al, $0xF4
                cli
                hlt
            .data
            buf: .long 0
            """;

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @TempDir
    Path dir;

    private GogoSession gogo;

    @BeforeEach
    void open() {
        gogo = new GogoSession(processor);
    }

    @AfterEach
    void close() {
        gogo.close();
    }

    private Path kernel(String name, String source) throws IOException, InterruptedException {
        Files.writeString(dir.resolve(name + ".S"), source);
        run("as", "--32", "-o", name + ".o", name + ".S");
        run("ld", "-m", "elf_i386", "-Ttext=0x100000", "-o", name + ".elf", name + ".o");
        return dir.resolve(name + ".elf");
    }

    private void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }

    @Test
    void hotGuestCodeIsTranslatedInTheFramework() throws Exception {
        int eax = 0;
        for (int ecx = 200000; ecx != 0; ecx--) {
            eax += ecx;
            eax ^= eax;
            eax += ecx;
            eax = Integer.rotateLeft(eax, 3);
        }
        Path elf = kernel("hot", HOT);
        String out = gogo.run("machine boot " + elf + " --serial stdio -m 16");
        assertTrue(out.endsWith("exit status " + ((eax & 0xFF) << 1 | 1) + "\n"), out + gogo.err());
        int id = (Integer) gogo.get("machine.id");
        // ID NAME STATE CPUS MiB INSTRUCTIONS REGIONS ...: the loop ran as a translated region
        String line = gogo.run("machine list").lines().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow();
        String[] f = line.trim().split(" +");
        assertTrue(Long.parseLong(f[5]) > 7 * 200000L, line);
        assertTrue(Long.parseLong(f[6]) >= 1, line);
    }

    /**
     * The guest kit's acpipower on the bare board: it finds the FADT and the DSDT's {@code \\_S5}
     * and writes SLP_TYP | SLP_EN into PM1a_CNT; the board powers off as QEMU does (exit status
     * 0).
     */
    @Test
    void anAcpiPowerOffEndsTheBareMachine() throws Exception {
        Path elf = dir.resolve("acpipower.elf");
        Files.write(elf, org.oxen.guests.GuestImages.load(org.oxen.guests.GuestImages.Flavor.NATIVE, "acpipower"));
        String out = gogo.run("machine boot " + elf + " --serial stdio -m 16 --cmdline action=poweroff");
        // (the kit writes its lines to COM1 and port 0xE9: stdio shows COM1's, CR LF)
        assertTrue(out.contains("acpipower: PM1a_CNT 0xb004, reset register io 0xcf9 value 0x6, \\_S5 SLP_TYPa 7"),
                out + gogo.err());
        assertTrue(out.contains("acpipower: entering S5"), out + gogo.err());
        assertTrue(out.matches("(?s).*machine \\d+ \\(acpipower\\.elf\\): exited, exit status 0\n"), out + gogo.err());
        assertEquals(0, gogo.get("machine.status"));
    }

    @Test
    void bootPrintsTheSerialOutputAndTheExitStatus() throws Exception {
        Path elf = kernel("hello", HELLO);
        String out = gogo.run("machine boot " + elf + " --serial stdio -m 16");
        assertTrue(out.startsWith("hello from oxen\n"), out);
        assertTrue(out.matches("(?s).*machine \\d+ \\(hello\\.elf\\): exited, exit status 85\n"), out);
        assertEquals(85, gogo.get("machine.status"));
        int id = (Integer) gogo.get("machine.id");
        assertEquals("hello from oxen\n", gogo.run("machine console " + id));
        assertTrue(gogo.run("machine list").lines().anyMatch(l -> l.matches(id + " +hello\\.elf +exited +1 +16 .*exit status 85")));
    }

    @Test
    void aBadImageIsAClearErrorAndStartsNothing() throws Exception {
        Path txt = Files.writeString(dir.resolve("readme.txt"), "not a kernel");
        String before = gogo.run("machine list");
        assertEquals("", gogo.run("machine boot " + txt));
        assertTrue(gogo.err().startsWith("machine: " + txt + ": neither a multiboot ELF kernel, a Linux bzImage nor a ROM"), gogo.err());
        assertEquals(1, gogo.get("machine.rc"));
        assertEquals(before, gogo.run("machine list"));
    }

    @Test
    void aDeviceBundleCanBeStoppedStartedAndUpdatedWhileAMachineRuns() throws Exception {
        Path spin = kernel("spin", SPIN);
        Path hello = kernel("hello", HELLO);
        String started = gogo.run("machine boot " + spin);
        assertTrue(started.matches("machine \\d+ \\(spin\\.elf\\) started\n"), started);
        int id = (Integer) gogo.get("machine.id");
        Bundle rtc = bundle("org.oxen.x86.dev.rtc");
        try {
            rtc.stop();
            // the running machine keeps its rtc instance; a new machine cannot get one
            assertTrue(gogo.run("machine list").lines().anyMatch(l -> l.matches(id + " +spin\\.elf +running .*")));
            assertEquals("", gogo.run("machine boot " + hello + " --serial stdio"));
            assertTrue(gogo.err().contains("device rtc: unknown device type 'rtc'"), gogo.err());
        } finally {
            rtc.start();
        }
        awaitDeviceType("rtc");
        assertTrue(gogo.run("machine boot " + hello + " --serial stdio").endsWith("exit status 85\n"));
        // an update (new bundle revision) while the spinning machine still holds the old instance
        rtc.update();
        awaitDeviceType("rtc");
        assertTrue(gogo.run("machine boot " + hello + " --serial stdio").endsWith("exit status 85\n"));
        assertTrue(gogo.run("machine list").lines().anyMatch(l -> l.matches(id + " +spin\\.elf +running .*")));
        assertTrue(gogo.run("machine stop " + id).matches("machine " + id + " \\(spin\\.elf\\): stopped \\(stopped\\)\n"));
    }

    private void awaitDeviceType(String type) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(oxen.device.name=" + type + ")");
            if (refs != null && refs.length > 0 && gogo.run("machine devices").contains(type)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("device type " + type + " did not come back within 10 s");
    }

    private Bundle bundle(String bsn) {
        return Arrays.stream(context.getBundles())
                .filter(b -> bsn.equals(b.getSymbolicName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("bundle " + bsn + " not installed"));
    }
}
