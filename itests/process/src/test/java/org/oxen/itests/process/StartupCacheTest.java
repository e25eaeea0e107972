package org.oxen.itests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.itests.process.RuntimeCopy.Run;

/**
 * Issue 16, start-up: {@code runtime/launch.sh} (what {@code ./oxen run} and {@code ./oxen start}
 * exec) on the real path, against a copy of the built runtime so a bundle can be changed: the
 * class-data cache is built by a training run the first time, used as it is the second time (the
 * JVM is told to fail if it cannot map it), rebuilt when a bundle changes or the cache file was
 * damaged, and every run still does its work (a PV domain through the console backend, whose
 * ring accessors needed Java 22+'s fix) and says on stderr what happened to the cache.
 */
class StartupCacheTest {

    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    @TempDir
    static Path dir;

    static Path cfg;

    @BeforeAll
    static void config() throws IOException {
        assertTrue(Files.isRegularFile(RuntimeCopy.LAUNCH_SH), RuntimeCopy.LAUNCH_SH.toString());
        assertTrue(Files.isDirectory(RuntimeCopy.BUILT.resolve("launch")), RuntimeCopy.BUILT + "/launch (built by the runtime module)");
        cfg = dir.resolve("hello.cfg");
        Files.writeString(cfg, "name = \"hello\"\nkernel = \"guest:hello\"\nmemory = 8\n"
                + "cmdline = \"expect_mem_mib=8\"\non_poweroff = \"preserve\"\n");
    }

    /** launch.sh with {@code java} as OXEN_JAVA on the runtime {@code rt}: a PV hello to its end. */
    private static Run launch(Path rt, Path java, String... jvm) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", RuntimeCopy.LAUNCH_SH.toString(), "-Doxen.domains.dir=none",
                "-Dorg.osgi.service.http.port=0"));
        cmd.addAll(List.of(jvm));
        cmd.add("-Dgosh.args=--nointeractive -c 'xl create " + cfg + " -c; stop 0'");
        Run r = RuntimeCopy.launch(dir, rt, java, cmd);
        assertEquals(0, r.status(), "exit status; stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        assertTrue(r.out().contains("hello: flavor=pv") && r.out().contains("RESULT: PASS"),
                "the domain ran and its console came through:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    private static Path only(Path cacheDir, String glob) throws IOException {
        try (Stream<Path> s = Files.list(cacheDir)) {
            List<Path> found = s.filter(p -> cacheDir.getFileSystem().getPathMatcher("glob:" + glob)
                    .matches(p.getFileName())).toList();
            assertEquals(1, found.size(), glob + " in " + cacheDir + ": " + found);
            return found.get(0);
        }
    }

    private static void assertBuilt(Run r, String why) {
        List<String> lines = r.oxenLines();
        assertEquals(2, lines.size(), "a line saying why, then one saying it is ready: " + r.err());
        assertTrue(lines.get(0).contains(why), lines.get(0));
        assertTrue(lines.get(1).startsWith("oxen: start-up cache ready: "), lines.get(1));
    }

    @Test
    void aotCacheOnJdk25IsBuiltUsedAndRebuiltWhenABundleOrTheCacheChanges() throws Exception {
        assumeTrue(Files.isExecutable(JDK25), "Temurin 25 at " + JDK25);
        Path rt = RuntimeCopy.of(dir, "rt25");

        Run first = launch(rt, JDK25);
        assertBuilt(first, "no start-up cache for " + JDK25 + " yet: building the AOT cache (JDK 25)");
        Path aot = only(rt.resolve("cache"), "oxen-jdk25-c1.aot");
        FileTime built = Files.getLastModifiedTime(aot);

        // used as it is: AOTMode=on makes the JVM fail if it cannot map the cache
        Run second = launch(rt, JDK25, "-XX:AOTMode=on");
        assertEquals(List.of(), second.oxenLines(), second.err());
        assertEquals(built, Files.getLastModifiedTime(aot), "the cache was not rebuilt");

        // a bundle changes (a rebuild): stale, rebuilt, used
        Path bundle = only(rt.resolve("bundles/jar"), "org.oxen.x86.cpu-*.jar");
        Files.setLastModifiedTime(bundle, FileTime.fromMillis(Files.getLastModifiedTime(bundle).toMillis() + 60_000));
        Run third = launch(rt, JDK25);
        assertBuilt(third, "the start-up cache is stale (the JDK, the launcher or a bundle changed)");
        launch(rt, JDK25, "-XX:AOTMode=on");

        // the cache damaged behind the launcher's back, its size and time kept: said, rebuilt
        FileTime before = Files.getLastModifiedTime(aot);
        try (var ch = Files.newByteChannel(aot, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("garbage!".getBytes(StandardCharsets.US_ASCII)));
        }
        Files.setLastModifiedTime(aot, before);
        Run fourth = launch(rt, JDK25);
        assertBuilt(fourth, "was changed or removed since it was built: rebuilding");
        Run fifth = launch(rt, JDK25, "-XX:AOTMode=on");
        assertEquals(List.of(), fifth.oxenLines(), fifth.err());
    }

    @Test
    void appCdsArchiveOnJdk17IsBuiltAndUsed() throws Exception {
        Path java17 = Path.of(System.getProperty("java.home"), "bin", "java");
        assumeTrue(Runtime.version().feature() < 25, "the tests' own JDK is older than 25: " + Runtime.version());
        Path rt = RuntimeCopy.of(dir, "rt17");
        int major = Runtime.version().feature();

        Run first = launch(rt, java17);
        assertBuilt(first, "building the AppCDS archive (JDK " + major + ")");
        Path jsa = only(rt.resolve("cache"), "oxen-jdk" + major + "-c1.jsa");

        // -Xshare:on: the JVM fails if it cannot map the archive
        Run second = launch(rt, java17, "-Xshare:on");
        assertEquals(List.of(), second.oxenLines(), second.err());
        assertTrue(Files.size(jsa) > 1 << 20, "an archive of the runtime's classes: " + Files.size(jsa));

        // the runtime starts on the framework storage the training left: its bundles are found
        // installed (last modified before this start), not installed again, and a domain runs
        long before = System.currentTimeMillis();
        Run third = RuntimeCopy.launch(dir, rt, java17, List.of("bash", RuntimeCopy.LAUNCH_SH.toString(),
                "-Doxen.domains.dir=none", "-Dorg.osgi.service.http.port=0", "-Dgosh.args=--nointeractive -c "
                        + "'echo kept (($.context bundle 1) lastModified); xl create " + cfg + " -c; stop 0'"));
        assertEquals(0, third.status(), third.out() + third.err());
        assertTrue(third.out().contains("RESULT: PASS"), third.out() + third.err());
        java.util.regex.Matcher kept = java.util.regex.Pattern.compile("(?m)^kept (\\d+)$").matcher(third.out());
        assertTrue(kept.find() && Long.parseLong(kept.group(1)) < before,
                "bundle 1 installed by the training, not by this start: " + third.out());
    }

    @Test
    void withoutABuiltRuntimeItSaysWhatToDo() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        ProcessBuilder pb = new ProcessBuilder("bash", RuntimeCopy.LAUNCH_SH.toString()).directory(dir.toFile());
        pb.environment().put("OXEN_RUNTIME", empty.toString());
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertEquals("oxen: no built runtime in " + empty.toRealPath() + " (oxen.jar, launch/, bundles/jar/): run ./oxen build first\n", out);
        assertFalse(Files.exists(empty.resolve("cache")));
    }
}
