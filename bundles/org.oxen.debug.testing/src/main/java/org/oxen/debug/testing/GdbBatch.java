package org.oxen.debug.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's gdb in batch mode against a stub on loopback. */
public final class GdbBatch {

    private GdbBatch() {
    }

    /**
     * Runs {@code gdb -nx -batch} with {@code elf}'s symbols, connected to 127.0.0.1:{@code port},
     * then {@code commands}; returns what gdb printed.
     *
     * @throws AssertionError gdb exited non-zero or did not finish within {@code timeoutSeconds}
     *         (the message holds its output and {@code context})
     */
    public static String run(Path elf, int port, Path workDir, long timeoutSeconds, String context, String... commands)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gdb", "-nx", "-batch", "-ex", "set confirm off", "-ex",
                "set pagination off", "-ex", "file " + elf, "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Path log = Files.createTempFile(workDir, "gdb", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        String out = Files.readString(log);
        if (!done) {
            p.destroyForcibly();
            throw new AssertionError("gdb did not finish within " + timeoutSeconds + " s:\n" + out + "\n" + context);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("gdb exited with " + p.exitValue() + ":\n" + out + "\n" + context);
        }
        return out;
    }

    /** The values of gdb's {@code $N = value} lines, in order. */
    public static List<String> values(String out) {
        List<String> v = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.matches("\\$\\d+ = .*")) {
                v.add(line.substring(line.indexOf("= ") + 2).trim());
            }
        }
        return v;
    }
}
