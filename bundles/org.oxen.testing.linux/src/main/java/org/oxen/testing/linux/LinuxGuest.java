package org.oxen.testing.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * The stock Linux of the Linux boot tests: Debian's i386 kernel (linux-image-686) and an
 * initramfs built here from Debian's busybox-static:i386, both fetched (never committed) by
 * {@code guests/linux/setup-host.sh} into {@code guests/linux/target/debian/}.
 *
 * <p>The initramfs (cpio "newc", gzip) holds {@code /bin/busybox}, {@code /bin/sh}, the
 * directories the kernel and the shell need, a {@code /dev/console} node, and an {@code /init}
 * that mounts proc, sysfs and devtmpfs, installs busybox's applet links, prints
 * {@link #READY} and starts a shell on the console with the prompt {@link #PROMPT}.
 */
public final class LinuxGuest {

    /** The line /init prints before it starts the shell. */
    public static final String READY = "oxen-initramfs: shell on the console";
    /** The shell's prompt (PS1). */
    public static final String PROMPT = "oxen-linux# ";
    /**
     * The environment variable that turns the Linux boot tests on ({@code OXEN_LINUX_TESTS=1}):
     * a boot is billions of guest instructions, minutes of CPU, so the default suite leaves them out.
     */
    public static final String ENABLE = "OXEN_LINUX_TESTS";
    /** The kernel command line the tests use: the serial console (the firmware's ACPI tables describe the board). */
    public static final String CMDLINE = "console=ttyS0";
    /** The same without ACPI: the kernel finds the CPUs and interrupt routing in the MP table. */
    public static final String CMDLINE_NO_ACPI = CMDLINE + " acpi=off";
    /**
     * What a boot with ACPI prints when the firmware's tables served it: the CPUs from the MADT,
     * the interpreter enabled over the DSDT, the PM timer found through the FADT, the PCI root
     * bridge from the DSDT. (Whether Linux then keeps the PM timer as a clocksource depends on
     * the host: it compares 55 ms of it against the PIT and drops it beyond 5 %, which a vcpu
     * thread descheduled between the two reads on a loaded host exceeds: "PM-Timer running at
     * invalid rate: 114% of normal" at load 26.)
     */
    public static final List<String> ACPI_BOOT_LINES = List.of(
            "ACPI: Using ACPI (MADT) for SMP configuration information",
            "ACPI: Interpreter enabled",
            "ACPI: PM-Timer IO Port: 0xb008",
            "ACPI: PCI Root Bridge [PCI0]");
    /** What a boot with {@code acpi=off} prints when it found the MP table. */
    public static final String MP_TABLE_LINE = "found SMP MP-table";

    /**
     * What is wrong with a boot log of {@link #CMDLINE}: each of {@link #ACPI_BOOT_LINES}
     * missing, and each line in which the kernel's ACPI code complains (ACPICA's "ACPI Error",
     * "ACPI Warning", "ACPI BIOS Error/Warning", "ACPI Exception", an "ACPI: ... failed"); empty
     * when there is nothing.
     */
    public static List<String> acpiBootProblems(String log) {
        List<String> problems = new ArrayList<>();
        for (String l : ACPI_BOOT_LINES) {
            if (!log.contains(l)) problems.add("missing: " + l);
        }
        log.lines().filter(l -> l.matches(".*ACPI (BIOS )?(Error|Warning|Exception).*|.*ACPI:.*[Ff]ailed.*"))
                .forEach(l -> problems.add("complaint: " + l.strip()));
        return problems;
    }

    /** What is wrong with a boot log of {@link #CMDLINE_NO_ACPI}: the MP table not found, or ACPI used after all. */
    public static List<String> mpTableBootProblems(String log) {
        List<String> problems = new ArrayList<>();
        if (!log.contains(MP_TABLE_LINE)) problems.add("missing: " + MP_TABLE_LINE);
        if (log.contains(ACPI_BOOT_LINES.get(0))) problems.add("used the MADT despite acpi=off");
        return problems;
    }

    static final String INIT = "#!/bin/busybox sh\n"
            + "/bin/busybox mount -t proc proc /proc\n"
            + "/bin/busybox mount -t sysfs sysfs /sys\n"
            + "/bin/busybox mount -t devtmpfs devtmpfs /dev\n"
            + "/bin/busybox --install -s /bin\n"
            + "echo '" + READY + "'\n"
            + "export PS1='" + PROMPT + "' HOME=/root PATH=/bin\n"
            + "cd /root\n"
            + "exec setsid cttyhack sh\n";

    private LinuxGuest() {
    }

    /**
     * Where setup-host.sh put the Debian files: the system property {@code oxen.linux.dir}, else
     * {@code guests/linux/target/debian} in the first ancestor of the working directory that has it.
     */
    public static Path dir() {
        String p = System.getProperty("oxen.linux.dir");
        if (p != null && !p.isEmpty()) return Path.of(p);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("guests/linux/target/debian");
            if (Files.isDirectory(c)) return c;
        }
        return Path.of("guests/linux/target/debian").toAbsolutePath();
    }

    /** Debian's bzImage; fails naming the setup script when it has not been fetched. */
    public static byte[] kernel() {
        return read("vmlinuz");
    }

    /** What setup-host.sh fetched (package names and versions), for test reports. */
    public static String versions() {
        return new String(read("VERSIONS"), StandardCharsets.UTF_8);
    }

    /** The initramfs: gzip'd cpio newc with busybox and {@link #INIT}. */
    public static byte[] initramfs() {
        return archive(INIT, null);
    }

    /**
     * An initramfs that runs {@code script} (busybox sh) instead of a shell, then powers off:
     * proc, sysfs and devtmpfs mounted, the applet links installed, and the kernel modules
     * {@code modules} (names from {@code modules/} of {@link #dir()}, which setup-host.sh fills)
     * loaded in that order first.
     */
    public static byte[] initramfs(String script, String... modules) {
        StringBuilder init = new StringBuilder(INIT.substring(0, INIT.indexOf("echo '")))
                .append("export HOME=/root PATH=/bin\n");
        for (String m : modules) {
            init.append("insmod /lib/").append(m).append(".ko || echo 'oxen-initramfs: insmod ").append(m).append(" failed'\n");
        }
        init.append("sh /script\npoweroff -f\n");
        return archive(init.toString(), script, modules);
    }

    /** busybox, the directories, /dev/console, /etc/passwd, {@code init}, and the script and modules if any. */
    private static byte[] archive(String init, String script, String... modules) {
        Cpio c = new Cpio();
        for (String d : new String[] {"bin", "dev", "proc", "sys", "root", "tmp", "etc", "lib"}) {
            c.dir(d);
        }
        c.node("dev/console", 0020600, 5, 1);
        c.file("bin/busybox", 0100755, read("busybox"));
        c.symlink("bin/sh", "busybox");
        for (String m : modules) c.file("lib/" + m + ".ko", 0100644, read("modules/" + m + ".ko"));
        if (script != null) c.file("script", 0100755, script.getBytes(StandardCharsets.US_ASCII));
        c.file("init", 0100755, init.getBytes(StandardCharsets.US_ASCII));
        c.file("etc/passwd", 0100644, "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(c.finish());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return gz.toByteArray();
    }

    private static byte[] read(String name) {
        Path f = dir().resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException(f + " is missing: run guests/linux/setup-host.sh (./oxen setup) to fetch"
                    + " Debian's linux-image-686:i386 and busybox-static:i386");
        }
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A cpio archive in the "newc" format the kernel's initramfs unpacker reads. */
    static final class Cpio {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int ino = 1;

        void dir(String name) {
            entry(name, 0040755, 2, 0, 0, new byte[0]);
        }

        void file(String name, int mode, byte[] data) {
            entry(name, mode, 1, 0, 0, data);
        }

        void symlink(String name, String target) {
            entry(name, 0120777, 1, 0, 0, target.getBytes(StandardCharsets.US_ASCII));
        }

        void node(String name, int mode, int major, int minor) {
            entry(name, mode, 1, major, minor, new byte[0]);
        }

        byte[] finish() {
            entry("TRAILER!!!", 0, 1, 0, 0, new byte[0]);
            return out.toByteArray();
        }

        private void entry(String name, int mode, int nlink, int rmajor, int rminor, byte[] data) {
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            String h = String.format("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                    name.equals("TRAILER!!!") ? 0 : ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rmajor, rminor,
                    n.length + 1, 0);
            out.writeBytes(h.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(n);
            out.write(0);
            pad();
            out.writeBytes(data);
            pad();
        }

        private void pad() {
            while (out.size() % 4 != 0) out.write(0);
        }
    }
}
