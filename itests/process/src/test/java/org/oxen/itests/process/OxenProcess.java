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
 * {@code gosh.args}, stdout and stderr kept in files. A run that does not end within its time
 * limit is killed and reported as hung, never left behind. Its web console listens on a free
 * port unless the test names one.
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

    /** A started run: the process and the files its stdout and stderr go to. */
    record Running(Process process, Path out, Path err) {
        /** What it has printed on stdout so far. */
        String outSoFar() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        String errSoFar() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }

        /** Kills it and what it started (SIGKILL), waiting for it to end. */
        void kill() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Starts {@code script} with {@code gosh.args=--nointeractive -c '<script>'} in {@code dir}
     * and returns at once.
     *
     * @param jvm extra JVM options ({@code -Dkey=value}, {@code -Xmx..})
     * @param env environment changes; a {@code null} value removes the variable
     */
    static Running start(Path dir, String script, List<String> jvm, Map<String, String> env) throws IOException {
        Running r = launch(dir, script, jvm, env);
        r.process().getOutputStream().close(); // no keyboard: a script
        return r;
    }

    /**
     * Starts the runtime at its Gogo prompt with stdin a pipe (the process's output stream), for
     * a test that types commands ({@link OxenConsole}).
     */
    static Running interactive(Path dir, List<String> jvm) throws IOException {
        return launch(dir, null, jvm, Map.of());
    }

    private static Running launch(Path dir, String script, List<String> jvm, Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (jvm.stream().noneMatch(o -> o.startsWith("-Dorg.osgi.service.http.port="))) {
            // the web console on a free port: a second runtime (another test's, a user's) may hold 8080
            cmd.add("-Dorg.osgi.service.http.port=0");
        }
        cmd.addAll(jvm);
        if (script != null) cmd.add("-Dgosh.args=--nointeractive -c '" + script + "'");
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
        return new Running(pb.start(), out, err);
    }

    /** Runs {@code script} as {@link #start} does and waits for the end, at most {@code seconds}. */
    static Result script(Path dir, String script, List<String> jvm, Map<String, String> env, long seconds)
            throws IOException, InterruptedException {
        Running r = start(dir, script, jvm, env);
        if (!r.process().waitFor(seconds, TimeUnit.SECONDS)) {
            r.kill();
            throw new AssertionError("oxen did not exit within " + seconds + " s (hung); stdout:\n" + r.outSoFar()
                    + "\nstderr:\n" + r.errSoFar());
        }
        return new Result(r.process().exitValue(), r.outSoFar(), r.errSoFar());
    }

    static Result script(Path dir, String script, String... jvm) throws IOException, InterruptedException {
        return script(dir, script, List.of(jvm), Map.of(), 90);
    }
}
