package org.oxen.itests.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An oxen runtime as its own process with its Gogo shell reading commands from a pipe, as a
 * user's script piped into {@code java -jar oxen.jar} would: {@link #run} sends one command and
 * returns what it printed (up to an {@code echo} marker after it). {@link #kill} is SIGKILL.
 */
final class OxenSession implements AutoCloseable {

    private final Process process;
    private final OutputStream stdin;
    private final Path out;
    private final Path err;
    private int marker;

    OxenSession(Path dir, List<String> jvm) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dorg.osgi.service.http.port=0");
        cmd.addAll(jvm);
        cmd.add("-jar");
        cmd.add(OxenProcess.JAR.toString());
        out = Files.createTempFile(dir, "out", ".txt");
        err = Files.createTempFile(dir, "err", ".txt");
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        stdin = process.getOutputStream();
    }

    /** Runs {@code command} and returns what it printed, at most {@code seconds} later. */
    String run(String command, long seconds) throws IOException, InterruptedException {
        String end = "@@end-" + (++marker) + "@@";
        stdin.write((command + "\necho " + end + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        long deadline = System.currentTimeMillis() + seconds * 1000;
        String begin = marker == 1 ? null : "@@end-" + (marker - 1) + "@@";
        while (System.currentTimeMillis() < deadline) {
            String text = stdout();
            int e = text.indexOf(end + "\n");
            if (e >= 0) {
                int b = begin == null ? 0 : text.indexOf(begin + "\n") + begin.length() + 1;
                return text.substring(b, e).replace("g! ", "");
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("'" + command + "' did not end within " + seconds + " s; stdout:\n" + stdout()
                + "\nstderr:\n" + stderr());
    }

    String run(String command) throws IOException, InterruptedException {
        return run(command, 90);
    }

    String stdout() throws IOException {
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    String stderr() throws IOException {
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** SIGKILL, as a host that dies. */
    void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            try {
                stdin.write("stop 0\n".getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                // it is going anyway
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
