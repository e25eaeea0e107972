package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.testing.linux.LinuxGuest;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;

/**
 * Debian's stock i386 kernel with a busybox initramfs in the real runtime: as an HVM domain
 * ({@code xl create} with type="hvm", kernel=, ramdisk=, extra=), driven through {@code xl
 * console}; and on the bare machine ({@code machine boot --serial tcp:PORT}), driven through its
 * serial console. Each waits for the shell's prompt, types {@code uname -a; cat /proc/cpuinfo;
 * echo $((6*7))} and checks the answers. The HVM domain then powers itself off ({@code poweroff -f}:
 * ACPI S5 through the DSDT's {@code \_S5} and the FADT's PM1a_CNT) and, on_poweroff being
 * destroy by default, leaves {@code xl list}.
 *
 * <p>A boot is billions of guest instructions (minutes of CPU): enabled by
 * {@code OXEN_LINUX_TESTS=1} (see {@link LinuxGuest#ENABLE}).
 */
@EnabledIfEnvironmentVariable(named = LinuxGuest.ENABLE, matches = "1|true|yes")
class StockLinuxTest {

    static final Duration BOOT = Duration.ofMinutes(Long.getLong("oxen.linux.bootMinutes", 25));
    static final String COMMANDS = "uname -a; cat /proc/cpuinfo; echo $((6*7))\r";

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    private GogoSession gogo;
    private Path dir;

    @BeforeEach
    void open() throws Exception {
        gogo = new GogoSession(processor);
        dir = Files.createTempDirectory("stock-linux");
        Files.write(dir.resolve("vmlinuz"), LinuxGuest.kernel());
        Files.write(dir.resolve("initramfs.gz"), LinuxGuest.initramfs());
    }

    @AfterEach
    void close() throws Exception {
        if (hv.find("hvm-linux").isPresent()) gogo.run("xl destroy hvm-linux");
        gogo.close();
    }

    @Test
    void asAnHvmDomainThroughXlConsole() throws Exception {
        Path cfg = dir.resolve("hvm-linux.cfg");
        Files.writeString(cfg, "name = \"hvm-linux\"\ntype = \"hvm\"\nmemory = 160\nkernel = \"vmlinuz\"\n"
                + "ramdisk = \"initramfs.gz\"\nextra = \"" + LinuxGuest.CMDLINE + "\"\n");
        assertEquals("", gogo.run("xl create " + cfg), gogo.err());
        Domain d = hv.find("hvm-linux").orElseThrow();

        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream keyboard = new PipedInputStream(keys, 4096);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        CommandSession s = processor.createSession(keyboard, new PrintStream(screen, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()));
        Thread attached = new Thread(() -> {
            try {
                s.execute("xl console hvm-linux");
            } catch (Exception e) {
                // the domain is destroyed at the end
            }
        }, "xl console");
        attached.start();
        try {
            Supplier<String> text = () -> screen.toString(StandardCharsets.UTF_8);
            await(text, LinuxGuest.PROMPT, 0, BOOT);
            String boot = d.consoleOutput();
            assertTrue(boot.contains("tsc: Detected 1000.000 MHz processor"), boot);
            assertEquals(List.of(), LinuxGuest.acpiBootProblems(boot), boot);
            int from = text.get().length();
            keys.write(COMMANDS.getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            try {
                checkAnswers(await(text, "\n42\r\n", from, Duration.ofMinutes(5)).substring(from));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n--- the domain's COM1 (" + d.vcpus().get(0).instructions()
                        + " instructions):\n" + d.consoleOutput(), e);
            }
            assertTrue(gogo.run("xl list").contains("hvm-linux"), gogo.err());
            keys.write("poweroff -f\r".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (hv.find("hvm-linux").isPresent() && System.nanoTime() < end) Thread.sleep(200);
            String list = gogo.run("xl list");
            assertFalse(list.contains("hvm-linux"), "powered off, on_poweroff=destroy: gone from xl list\n" + list
                    + "\n--- the domain's COM1:\n" + d.consoleOutput());
            assertTrue(d.consoleOutput().contains("reboot: Power down"), d.consoleOutput());
            assertEquals(org.oxen.vmm.api.ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        } finally {
            attached.interrupt();
            s.close();
        }
    }

    @Test
    void onTheBareMachineThroughItsSerialPort() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String started = gogo.run("machine boot " + dir.resolve("vmlinuz") + " -m 256 --module "
                + dir.resolve("initramfs.gz") + " --cmdline '" + LinuxGuest.CMDLINE + "' --serial tcp:" + port);
        String id = started.replaceAll("(?s).*machine (\\d+) \\(vmlinuz\\) started.*", "$1");
        assertTrue(id.matches("\\d+"), started + gogo.err());
        try (Socket sock = new Socket(InetAddress.getLoopbackAddress(), port)) {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    sock.getInputStream().transferTo(seen);
                } catch (Exception e) {
                    // closed at the end
                }
            }, "com1 reader");
            reader.setDaemon(true);
            reader.start();
            Supplier<String> text = () -> {
                synchronized (seen) {
                    return seen.toString(StandardCharsets.UTF_8);
                }
            };
            await(text, LinuxGuest.PROMPT, 0, BOOT);
            assertEquals(List.of(), LinuxGuest.acpiBootProblems(text.get()), text.get());
            int from = text.get().length();
            OutputStream keys = sock.getOutputStream();
            keys.write(COMMANDS.getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            checkAnswers(await(text, "\n42\r\n", from, Duration.ofMinutes(5)).substring(from));
            assertTrue(gogo.run("machine console " + id).contains("Linux version 6."), "the machine keeps COM1's output");
        } finally {
            gogo.run("machine stop " + id);
            gogo.run("machine remove " + id);
        }
    }

    /** The answers to {@link #COMMANDS}: Debian's kernel, oxen's CPU as CPUID describes it, and 42. */
    static void checkAnswers(String out) {
        assertTrue(out.matches("(?s).*Linux \\S+ 6\\.1\\.\\S+-686 #1 SMP PREEMPT_DYNAMIC Debian .* i686 GNU/Linux\r\n.*"), out);
        assertTrue(out.contains("vendor_id\t: GenuineIntel"), out);
        assertTrue(out.contains("model name\t: oxen virtual CPU"), out);
        assertTrue(out.contains("cpu MHz\t\t: 1000.000"), out);
        String flags = out.replaceAll("(?s).*\nflags\t\t: ([^\r\n]*).*", "$1");
        for (String f : new String[] {"fpu", "tsc", "msr", "pae", "cx8", "apic", "cmov", "fxsr"}) {
            assertTrue((" " + flags + " ").contains(" " + f + " "), f + " missing from flags: " + flags);
        }
        assertTrue(out.contains("\n42\r\n"), out);
    }

    private static String await(Supplier<String> text, String what, int from, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            String t = text.get();
            if (t.indexOf(what, from) >= 0) return t;
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + what + "' within " + limit + ":\n" + text.get());
    }
}
