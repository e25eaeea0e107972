package org.oxen.itests.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A copy of the built runtime (runtime/target's oxen.jar, launch/ and bundles/) that a test may
 * change and give its own start-up cache, and a launch on it ({@code ./oxen ...} or
 * {@code runtime/launch.sh ...}) to its end: what {@link StartupCacheTest} and
 * {@link MachineLaunchTest} share.
 */
final class RuntimeCopy {

    static final Path LAUNCH_SH = Path.of(System.getProperty("oxen.launch.sh", "../../runtime/launch.sh")).toAbsolutePath();
    static final Path BUILT = OxenProcess.JAR.getParent();

    private RuntimeCopy() {
    }

    /** How a launch ended: its exit status, stdout and stderr. */
    record Run(int status, String out, String err) {
        /** The launcher's own lines on stderr ("oxen: ..."). */
        List<String> oxenLines() {
            return err.lines().filter(l -> l.startsWith("oxen: ")).toList();
        }
    }

    /** A copy of the built runtime in {@code parent}/{@code name} (the cache goes to its cache/). */
    static Path of(Path parent, String name) throws IOException {
        Path rt = Files.createDirectory(parent.resolve(name));
        Files.copy(OxenProcess.JAR, rt.resolve("oxen.jar"));
        for (String sub : List.of("launch", "bundles")) {
            try (Stream<Path> files = Files.walk(BUILT.resolve(sub))) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path to = rt.resolve(BUILT.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
        }
        return rt;
    }

    /**
     * Runs {@code command} from {@code dir} on the runtime {@code rt} (OXEN_RUNTIME), with the
     * caller's cache, JIT and JVM settings dropped from the environment and {@code java} as
     * OXEN_JAVA when not null; fails if it does not end within 600 s.
     */
    static Run launch(Path dir, Path rt, Path java, List<String> command) throws IOException, InterruptedException {
        return launch(dir, rt, java, null, command);
    }

    /**
     * {@link #launch(Path, Path, Path, List)} with {@code jdks} as OXEN_JDKS (where the machine
     * launch looks for a JDK 25 or later) when not null.
     */
    static Run launch(Path dir, Path rt, Path java, Path jdks, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().put("OXEN_RUNTIME", rt.toString());
        for (String v : List.of("OXEN_CACHE_DIR", "OXEN_STARTUP_CACHE", "OXEN_JIT", "OXEN_JAVA", "OXEN_JDKS")) {
            pb.environment().remove(v);
        }
        if (java != null) pb.environment().put("OXEN_JAVA", java.toString());
        if (jdks != null) pb.environment().put("OXEN_JDKS", jdks.toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within 600 s; stderr:\n" + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
