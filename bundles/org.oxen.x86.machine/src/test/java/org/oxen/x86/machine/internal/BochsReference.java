package org.oxen.x86.machine.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs a ROM program (roms/rom.inc) on Bochs, Debian's {@code bochs} (installed by the board's
 * setup-host.sh), as the second reference for system-level behaviour the host CPU cannot show:
 * real mode, virtual-8086 mode, task switches, 16-bit stacks.
 *
 * <p>Bochs runs headless and deterministically: the ROM is its BIOS (no other firmware runs),
 * the terminal display library writes to a discarded stdout, the clock is {@code sync=none}
 * with a fixed {@code time0}, the program's output comes through {@code port_e9_hack} and the
 * program ends Bochs through the shutdown port 0x8900. Debian builds Bochs with its debugger,
 * which waits at a prompt: an rc file answers {@code c} (continue). The run is killed after
 * {@link #TIMEOUT_SECONDS}.
 */
final class BochsReference {

    static final int TIMEOUT_SECONDS = 30;
    static final String BEGIN = "@@BEGIN\n", END = "@@END\n";

    private BochsReference() {
    }

    /** The text the program printed between its @@BEGIN and @@END lines under Bochs. */
    static String run(Path rom, Path dir) throws IOException, InterruptedException {
        if (Files.notExists(Path.of("/usr/bin/bochs"))) {
            throw new IllegalStateException("bochs is not installed: run ./oxen setup (bundles/org.oxen.x86.machine/setup-host.sh)");
        }
        Path rc = dir.resolve("bochsrc.txt");
        Path cmds = dir.resolve("bochs-commands.txt");
        Path log = dir.resolve("bochs.log");
        Files.writeString(rc, String.join("\n",
                "megs: 32",
                "romimage: file=" + rom.toAbsolutePath(),
                "vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest",
                "display_library: term",
                "port_e9_hack: enabled=1",
                "speaker: enabled=0",
                "log: " + log.toAbsolutePath(),
                "panic: action=fatal",
                "error: action=report",
                "info: action=report",
                "debug: action=ignore",
                "cpu: count=1, reset_on_triple_fault=0",
                "clock: sync=none, time0=946684800",
                ""));
        Files.writeString(cmds, "c\n");
        Path out = dir.resolve("bochs.out");
        ProcessBuilder pb = new ProcessBuilder("bochs", "-q", "-f", rc.toString(), "-rc", cmds.toString())
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(dir.resolve("bochs.err").toFile());
        pb.environment().put("TERM", "dumb");
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            throw new IllegalStateException("bochs did not end within " + TIMEOUT_SECONDS + " s; output:\n"
                    + Files.readString(out, StandardCharsets.ISO_8859_1));
        }
        String all = Files.readString(out, StandardCharsets.ISO_8859_1);
        return between(all, "bochs (log " + log + ")");
    }

    /** The text between the first @@BEGIN line and the next @@END line of {@code all}. */
    static String between(String all, String who) {
        int b = all.indexOf(BEGIN);
        int e = b < 0 ? -1 : all.indexOf(END, b);
        if (b < 0 || e < 0) {
            throw new IllegalStateException(who + ": the program did not print both @@BEGIN and @@END:\n" + all);
        }
        return all.substring(b + BEGIN.length(), e);
    }
}
