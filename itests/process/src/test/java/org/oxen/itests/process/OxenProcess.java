package org.oxen.itests.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The exported runtime jar run as a separate process, as a user's shell or script runs it:
 * {@code java [-Dkey=value ...] -jar runtime/target/oxen.jar}, a Gogo script in
 * {@code gosh.args}, stdout and stderr kept in files; the web console on an ephemeral port. A run that does not end within its time
 * limit is killed and reported as hung, never left behind.
 */
final class OxenProcess {

    static final Path JAR = Path.of(System.getProperty("oxen.jar", "../../runtime/target/oxen.jar")).toAbsolutePath();

    /** How a run ended. */
    record Result(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private OxenProcess() {
    }

    /**
     * Runs {@code script} with {@code gosh.args=--nointeractive -c '<script>'} in {@code dir}.
     *
     * @param jvm extra JVM options ({@code -Dkey=value}, {@code -Xmx..})
     * @param env environment changes; a {@code null} value removes the variable
     */
    static Result script(Path dir, String script, List<String> jvm, Map<String, String> env, long seconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the web console on a port of its own: other oxens on this machine (a developer's, another
        // test run's) may hold the default 8080, and its "Failed to start Connector" lines would
        // be in the stderr these tests read (a run's own -D... after this one wins)
        cmd.add("-Dorg.osgi.service.http.port=0");
        cmd.addAll(jvm);
        cmd.add("-Dgosh.args=--nointeractive -c '" + script + "'");
        cmd.add("-jar");
        cmd.add(JAR.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        p.getOutputStream().close(); // no keyboard: a script
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("oxen did not exit within " + seconds + " s (hung); stdout:\n"
                    + Files.readString(out, StandardCharsets.UTF_8) + "\nstderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    static Result script(Path dir, String script, String... jvm) throws IOException, InterruptedException {
        return script(dir, script, List.of(jvm), Map.of(), 90);
    }
}
