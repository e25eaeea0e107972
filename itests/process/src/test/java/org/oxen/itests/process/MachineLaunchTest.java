package org.oxen.itests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.itests.process.RuntimeCopy.Run;

/**
 * Issue 16, start-up: the lean launch of a machine job on the real path. {@code ./oxen machine
 * boot [options] IMAGE} runs {@code runtime/launch.sh --machine} (machine.bndrun: the shell, the
 * board, its devices, the CPU and the machine command, over the built runtime's bundles) against
 * a copy of the built runtime: the guest runs to its end with its COM1 on stdout, an image path
 * relative to the caller's directory is the caller's, the launch builds its own class-data cache
 * once and then maps it, none of the hypervisor's bundles is even installed, the translator's
 * regions are compiled by C1 at once with the machine's thread waiting and the CPU's Semantics
 * inlined into them, a failed machine
 * command makes the process exit 1, a job ({@code ./oxen machine ...}) runs without the Gogo
 * shell and carries every argument as it is, and what a job cannot carry is refused before any
 * JVM starts.
 */
class MachineLaunchTest {

    static final Path OXEN = RuntimeCopy.LAUNCH_SH.getParent().getParent().resolve("oxen");
    static final Path NATIVE = Path.of(System.getProperty("oxen.native.images", "../../guests/target/images/native"))
            .toAbsolutePath();

    @TempDir
    static Path dir;

    /** A copy of the built runtime, for the tests that do not look at its cache. */
    static Path rt;

    @BeforeAll
    static void runtime() throws IOException {
        assertTrue(Files.isRegularFile(OXEN), OXEN.toString());
        assertTrue(Files.isRegularFile(NATIVE.resolve("hello.elf")), NATIVE + "/hello.elf (built by the guest kit)");
        rt = RuntimeCopy.of(dir, "rt");
        // the image beside the caller, named relative to its directory
        Files.copy(NATIVE.resolve("hello.elf"), dir.resolve("hello.elf"));
    }

    /** {@code command...} (the oxen script or launch.sh) from {@code dir} on the copy of the runtime {@code rt}. */
    private static Run run(Path rt, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash"));
        cmd.addAll(List.of(command));
        Run r = RuntimeCopy.launch(dir, rt, null, cmd);
        // COM1 lines end in CR LF, as a serial terminal has them
        return new Run(r.status(), r.out().replace("\r\n", "\n"), r.err());
    }

    @Test
    void machineBootRunsTheGuestInTheLeanLaunchAndCachesItsClasses() throws Exception {
        Path rt = RuntimeCopy.of(dir, "rt-cache"); // no cache yet
        Run first = run(rt, OXEN.toString(), "machine", "boot", "-m", "16", "--cmdline", "from the test", "hello.elf");
        assertEquals(0, first.status(), first.out() + first.err());
        assertTrue(first.out().contains("hello: flavor=native\n") && first.out().contains("hello: cmdline=\"from the test\"\n")
                && first.out().contains("hello: memory=16384 KiB (16 MiB)\n") && first.out().contains("RESULT: PASS\n"),
                "the guest ran to its end (waited for without -w), its COM1 on stdout:\n" + first.out() + first.err());
        assertTrue(first.out().contains("machine 1 (hello.elf): exited, exit status"), first.out());
        List<String> lines = first.oxenLines();
        assertEquals(2, lines.size(), "the cache built once, said on stderr: " + first.err());
        assertTrue(lines.get(0).startsWith("oxen: no start-up cache for ") && lines.get(0).contains("yet: building the"), lines.get(0));
        assertTrue(lines.get(1).startsWith("oxen: start-up cache ready: " + rt.resolve("cache").toRealPath() + "/machine-jdk"),
                "the machine launch's own cache: " + lines.get(1));
        Path cache = Files.list(rt.resolve("cache")).filter(p -> p.getFileName().toString().startsWith("machine-jdk")
                && p.getFileName().toString().matches(".*\\.(jsa|aot)")).findFirst().orElseThrow();
        FileTime built = Files.getLastModifiedTime(cache);

        // the second run maps it as it is (-Xshare:on / AOTMode=on: the JVM fails if it cannot)
        String strict = cache.toString().endsWith(".aot") ? "-XX:AOTMode=on" : "-Xshare:on";
        Run second = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine", strict,
                "-Dgosh.args=--nointeractive -c 'echo (lb); machine boot -w -m 16 hello.elf; stop 0'");
        assertEquals(0, second.status(), second.out() + second.err());
        assertEquals(List.of(), second.oxenLines(), second.err());
        assertEquals(built, Files.getLastModifiedTime(cache), "not rebuilt");
        assertTrue(second.out().contains("RESULT: PASS"), second.out());
        // the board, its devices and the command run; nothing of the hypervisor is installed
        for (String active : List.of("oxen x86 machine: the `machine` command", "oxen x86 machine (the board)", "oxen x86 CPU",
                "oxen device: uart", "oxen process exit status")) {
            assertTrue(second.out().lines().anyMatch(l -> l.contains("|Active") && l.contains(active)),
                    active + " active in:\n" + second.out());
        }
        for (String absent : List.of("org.oxen.vmm.core", "VMM", "xenstore", "web console", "Jetty", "ZooKeeper", "pool",
                "FileInstall", "scheduler", "xl toolstack")) {
            assertFalse(second.out().lines().anyMatch(l -> l.contains("|") && l.toLowerCase().contains(absent.toLowerCase())),
                    absent + " must not be installed in the machine launch:\n" + second.out());
        }
        assertFalse(second.err().contains("oxen web console:"), second.err());
    }

    /** What a job's script prints of the machine command's bundle: symbolic name, last modified (ms), state. */
    static final Pattern COMMAND_BUNDLE = Pattern.compile("(?m)^(org\\.oxen\\.x86\\.machine\\.command) (\\d+) (\\d+)$");

    @Test
    void machineJobsKeepTheFrameworkStorageAndEveryJobStartsFromTheSameState() throws Exception {
        Path rt = RuntimeCopy.of(dir, "rt-kept");
        String boot = "-Dgosh.args=--nointeractive -c 'machine boot -w -m 16 hello.elf; stop 0'";
        Run first = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine", boot); // builds the cache and the storage
        assertEquals(0, first.status(), first.out() + first.err());
        long before = System.currentTimeMillis();
        // bundle 22 is the machine command's (the launcher installs in -runbundles' order)
        String show = "echo (($.context bundle 22) symbolicName) (($.context bundle 22) lastModified)"
                + " (($.context bundle 22) state)";
        Run job = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine", "-Dgosh.args=--nointeractive -c '" + show + "; stop 0'");
        assertEquals(0, job.status(), job.out() + job.err());
        Matcher m = COMMAND_BUNDLE.matcher(job.out());
        assertTrue(m.find(), "the command's bundle shown: " + job.out() + job.err());
        assertTrue(Long.parseLong(m.group(2)) < before,
                "the job found its bundles installed (by the training run), not installed again: " + m.group()
                        + "\nits stderr:\n" + job.err() + "\nthe first run's stderr:\n" + first.err());
        assertEquals("32", m.group(3), "active: " + m.group());
        try (var files = Files.walk(rt.resolve("cache"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("componentMetadataStore")),
                    "SCR keeps the components' parsed descriptors in the kept storage");
        }

        // a script that installs a bundle changes the kept storage (Felix persists what is
        // installed); the next job starts from the training's state all the same
        Path extra = rt.resolve("bundles/jar").resolve(Files.list(rt.resolve("bundles/jar"))
                .map(p -> p.getFileName().toString()).filter(n -> n.startsWith("org.apache.felix.configadmin-"))
                .findFirst().orElseThrow());
        Run installs = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine",
                "-Dgosh.args=--nointeractive -c 'install " + extra.toUri() + "; echo (lb); stop 0'");
        assertEquals(0, installs.status(), installs.out() + installs.err());
        assertTrue(installs.out().contains("|Apache Felix Configuration Admin Service"), installs.out());
        Run next = run(rt, OXEN.toString(), "machine", "boot", "-m", "16", "hello.elf");
        assertEquals(0, next.status(), next.out() + next.err());
        assertTrue(next.out().contains("RESULT: PASS\n"), next.out() + next.err());
        assertEquals(List.of(), next.oxenLines(), next.err());
        Run listed = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine", "-Dgosh.args=--nointeractive -c 'echo (lb); stop 0'");
        assertFalse(listed.out().contains("Configuration Admin"), "the bundle a script installed is gone:\n" + listed.out());

        // while another job holds the kept storage (its lock taken here), a job starts on a
        // temporary storage of its own, installing every bundle, and runs as before
        Path lock;
        try (var files = Files.list(rt.resolve("cache"))) {
            lock = files.filter(p -> p.getFileName().toString().endsWith(".fw.lock")).findFirst().orElseThrow();
        }
        Process holder = new ProcessBuilder("flock", "-n", lock.toString(), "-c", "echo held; exec sleep 600")
                .redirectErrorStream(true).start();
        try {
            assertEquals("held", new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine());
            long during = System.currentTimeMillis();
            Run beside = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine",
                    "-Dgosh.args=--nointeractive -c '" + show + "; machine boot -w -m 16 hello.elf; stop 0'");
            assertEquals(0, beside.status(), beside.out() + beside.err());
            assertTrue(beside.out().contains("RESULT: PASS\n"), beside.out() + beside.err());
            Matcher b = COMMAND_BUNDLE.matcher(beside.out());
            assertTrue(b.find() && Long.parseLong(b.group(2)) >= during,
                    "installed afresh on a storage of its own: " + beside.out());
        } finally {
            holder.descendants().forEach(ProcessHandle::destroy);
            holder.destroy();
            holder.waitFor();
        }
    }

    /** A region's compilation in {@code -XX:+PrintCompilation}'s lines: its flags (% OSR, ! handlers, b blocking) and tier. */
    static final Pattern REGION_COMPILED = Pattern.compile(
            "^\\s*\\d+\\s+\\d+ ([ %s!bn]{5}) +(\\d) +org\\.oxen\\.x86\\.cpu\\.internal\\.Region\\$T/\\S+::run\\b.*");

    /** A forced inlining of a Semantics method in {@code -XX:+PrintInlining}'s lines: its name and size. */
    static final Pattern FORCED_INLINE = Pattern.compile(
            ".*@ \\d+ +org\\.oxen\\.x86\\.cpu\\.internal\\.Semantics::(\\w+) \\((\\d+) bytes\\) +force inline by CompileCommand.*");

    @Test
    void aMachineJobCompilesTheTranslatorsRegionsWithC1AtOnceAndInlinesSemantics() throws Exception {
        // cpubench's loop and mix: hot enough for the translator; the JVM lists what it compiles.
        // The native tier off: with it every region of theirs is x86-64 code, none JVM bytecode
        Run r = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine", "-Doxen.x86.native=false", "-XX:+PrintCompilation",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:+PrintInlining",
                "-Dgosh.args=--nointeractive -c 'machine boot -w -m 16 " + NATIVE.resolve("cpubench.elf")
                        + " --cmdline \"loop=200000 mix=2\"; stop 0'");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("RESULT: PASS"), r.out());
        List<Matcher> regions = r.out().lines().map(REGION_COMPILED::matcher).filter(Matcher::matches).toList();
        assertFalse(regions.isEmpty(), "regions were translated and compiled:\n" + r.out());
        for (Matcher m : regions) {
            // C1 only (tier 1), and the machine's thread waits for the compile (b) instead of
            // running the region's bytecode in the JVM's interpreter meanwhile
            assertEquals("1", m.group(2), m.group());
            assertTrue(m.group(1).contains("b"), "a blocking compile: " + m.group());
        }
        // the CPU's Semantics inlined by the command also where C1 would not (more than 35 bytes)
        Set<String> forced = r.out().lines().map(FORCED_INLINE::matcher).filter(Matcher::matches)
                .filter(m -> Integer.parseInt(m.group(2)) > 35).map(m -> m.group(1)).collect(Collectors.toSet());
        // (which regions C1 compiles before cpubench ends varies from run to run: only ALU's and
        // ROL's, which every run's regions use; a shift's flags were not inlined in some runs)
        assertTrue(forced.containsAll(Set.of("rol", "alu")), "Semantics forced inline: " + forced);
        // the commands are quiet: nothing of them on stdout, the guest's console
        assertFalse(r.out().lines().anyMatch(l -> l.startsWith("CompileCommand:") || l.contains("CompileThresholdScaling")),
                r.out());
    }

    @Test
    void aFailedMachineCommandMakesTheProcessExitOne() throws Exception {
        Run r = run(rt, OXEN.toString(), "machine", "boot", dir.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("machine: " + dir + ": is a directory, not a kernel or ROM image\n"), r.err());
    }

    /**
     * {@code ./oxen machine ...} is a job: the machine command's MachineJob component runs it
     * without the Gogo shell (the framework begins at the job's start level, below Gogo's bundles),
     * so the JVM loads none of Gogo's runtime or shell, and an argument Gogo's script could not
     * carry (a quote) goes through as it is.
     */
    @Test
    void aMachineJobRunsWithoutGogoAndCarriesEveryArgument() throws Exception {
        Files.copy(NATIVE.resolve("hello.elf"), dir.resolve("it's-\"hello\".elf"));
        String us = "\u001f";
        Run r = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine", "-Xlog:class+load=info",
                "-Doxen.job=machine" + us + "boot" + us + "-w" + us + "-m" + us + "16" + us + "--cmdline" + us
                        + "it's \"quoted\"" + us + "it's-\"hello\".elf");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("hello: cmdline=\"it's \"quoted\"\"\n") && r.out().contains("RESULT: PASS\n"),
                "the guest got its command line as given and ran to its end:\n" + r.out() + r.err());
        assertTrue(r.out().contains("machine 1 (it's-\"hello\".elf): exited, exit status"), r.out());
        assertTrue(r.out().contains("org.oxen.x86.machine.command.internal.MachineJob "), "the job's component ran it");
        for (String gogo : List.of("org.apache.felix.gogo.runtime.CommandProcessorImpl",
                "org.apache.felix.gogo.shell.Activator", "org.apache.felix.gogo.command.Basic")) {
            assertFalse(r.out().contains(gogo + " "), gogo + " is not loaded by a job");
        }
        // the same through the oxen script, from the caller's directory
        Run viaScript = run(rt, OXEN.toString(), "machine", "boot", "-m", "16", "it's-\"hello\".elf");
        assertEquals(0, viaScript.status(), viaScript.out() + viaScript.err());
        assertTrue(viaScript.out().contains("RESULT: PASS\n"), viaScript.out() + viaScript.err());
    }

    /**
     * The machine launch takes the newest JDK 25 or later it finds (OXEN_JDKS) for its AOT cache,
     * and runs its bundles' classes from the application class loader (the Connect launcher), so
     * the cache holds them: a job's own component class comes from the cache. Without a JDK 25
     * it runs on the PATH's JDK with an AppCDS archive, the same launcher.
     */
    @Test
    void theMachineLaunchTakesAJdk25ForItsAotCacheAndElseThePathsJdk() throws Exception {
        String us = "\u001f";
        String job = "-Doxen.job=machine" + us + "boot" + us + "-w" + us + "-m" + us + "16" + us + "hello.elf";
        String loader = "-Dgosh.args=--nointeractive -c 'echo loader ((($.context bundle 22) loadClass "
                + "org.oxen.x86.machine.command.internal.MachineJob) classLoader); stop 0'";

        // no JDK 25 where the launch looks: the PATH's JDK and its AppCDS archive
        Path none = Files.createDirectory(dir.resolve("no-jdks"));
        Path rt17 = RuntimeCopy.of(dir, "rt-jdk17");
        Run r17 = RuntimeCopy.launch(dir, rt17, null, none, List.of("bash", RuntimeCopy.LAUNCH_SH.toString(), "--machine", job));
        assertEquals(0, r17.status(), r17.out() + r17.err());
        assertTrue(r17.out().contains("RESULT: PASS"), r17.out() + r17.err());
        assertTrue(r17.oxenLines().get(0).contains("building the AppCDS archive (JDK " + Runtime.version().feature() + ")"),
                r17.err());
        Run l17 = RuntimeCopy.launch(dir, rt17, null, none, List.of("bash", RuntimeCopy.LAUNCH_SH.toString(), "--machine", loader));
        assertTrue(l17.out().contains("loader jdk.internal.loader.ClassLoaders$AppClassLoader"),
                "the bundle's classes from the application class loader: " + l17.out() + l17.err());

        // a JDK 25 there (the host's Temurin, by a link): its AOT cache, the job's classes in it
        assumeTrue(Files.isExecutable(StartupCacheTest.JDK25), "Temurin 25 at " + StartupCacheTest.JDK25);
        Path jdks = Files.createDirectory(dir.resolve("jdks"));
        Files.createSymbolicLink(jdks.resolve("a-jdk-25"), StartupCacheTest.JDK25.getParent().getParent());
        Path rt25 = RuntimeCopy.of(dir, "rt-jdk25");
        Run first = RuntimeCopy.launch(dir, rt25, null, jdks, List.of("bash", RuntimeCopy.LAUNCH_SH.toString(), "--machine", job));
        assertEquals(0, first.status(), first.out() + first.err());
        assertTrue(first.oxenLines().get(0).contains("no start-up cache for " + jdks.resolve("a-jdk-25/bin/java")
                + " yet: building the AOT cache (JDK 25)"), first.err());
        // AOTMode=on: the JVM fails if it cannot map the cache
        Run second = RuntimeCopy.launch(dir, rt25, null, jdks, List.of("bash", RuntimeCopy.LAUNCH_SH.toString(), "--machine",
                "-XX:AOTMode=on", "-Xlog:class+load=info", job));
        assertEquals(0, second.status(), second.out() + second.err());
        assertEquals(List.of(), second.oxenLines(), second.err());
        assertTrue(second.out().contains("RESULT: PASS"), second.out());
        assertTrue(second.out().contains("org.oxen.x86.machine.command.internal.MachineJob source: shared objects file"),
                "the job's component class from the AOT cache:\n" + second.out().lines()
                        .filter(l -> l.contains("MachineJob")).collect(Collectors.joining("\n")));
        // reflection (Felix's, SCR's) by native accessors: fewer LambdaForms spun at run time than
        // with the JDK's method-handle accessors (an empty x86bench job: 6 against 41)
        Run handles = RuntimeCopy.launch(dir, rt25, null, jdks, List.of("bash", RuntimeCopy.LAUNCH_SH.toString(), "--machine",
                "-Xlog:class+load=info", "-Djdk.reflect.useNativeAccessorOnly=false", job));
        assertEquals(0, handles.status(), handles.out() + handles.err());
        long spun = spunLambdaForms(second), spunWithHandles = spunLambdaForms(handles);
        assertTrue(2 * spun < spunWithHandles, spun + " LambdaForms spun at run time, " + spunWithHandles
                + " with method-handle accessors");
    }

    /**
     * A job on the kept storage exits once it has its status, without the framework's orderly stop:
     * SCR, which rewrites its parsed descriptors into the storage when it stops, never stops, so the
     * job leaves the storage as the training did (the file's time is the template's); a Gogo
     * script's {@code stop 0} still stops the framework in order (SCR writes the file).
     */
    @Test
    void aJobExitsAtItsStatusWithoutTheFrameworksOrderlyStop() throws Exception {
        Path rt = RuntimeCopy.of(dir, "rt-exit");
        Run first = run(rt, OXEN.toString(), "machine", "boot", "-m", "16", "hello.elf"); // builds the cache
        assertEquals(0, first.status(), first.out() + first.err());
        Path store;
        try (var files = Files.walk(rt.resolve("cache"))) {
            store = files.filter(p -> p.getFileName().toString().equals("componentMetadataStore")
                    && p.toString().contains(".fw-template/")).findFirst()
                    .orElseThrow(() -> new AssertionError("SCR's store in the kept storage's template: " + first.err()));
        }
        Path template = store.getParent().getParent().getParent();
        Path working = template.resolveSibling(template.getFileName().toString().replace(".fw-template", ".fw"))
                .resolve(template.relativize(store));
        Run job = run(rt, OXEN.toString(), "machine", "boot", "-m", "16", "hello.elf");
        assertEquals(0, job.status(), job.out() + job.err());
        assertTrue(job.out().contains("RESULT: PASS\n"), job.out() + job.err());
        assertEquals(Files.getLastModifiedTime(store), Files.getLastModifiedTime(working),
                "the job left SCR's store as the training did: SCR was not stopped");
        Run script = run(rt, RuntimeCopy.LAUNCH_SH.toString(), "--machine", "-Dgosh.args=--nointeractive -c 'stop 0'");
        assertEquals(0, script.status(), script.out() + script.err());
        assertTrue(Files.getLastModifiedTime(working).compareTo(Files.getLastModifiedTime(store)) > 0,
                "a script's stop 0 stops SCR in order, which writes its store");
    }

    /** LambdaForm classes a run's {@code -Xlog:class+load} shows spun at run time (not from the cache). */
    private static long spunLambdaForms(Run r) {
        return r.out().lines().filter(l -> l.contains("java.lang.invoke.LambdaForm$")
                && !l.contains("source: shared objects file")).count();
    }

    @Test
    void whatAJobCannotCarryIsRefusedBeforeTheJvmStarts() throws Exception {
        Run separator = run(rt, OXEN.toString(), "machine", "boot", "a\u001fb.elf");
        assertEquals(2, separator.status(), separator.err());
        assertEquals("oxen: machine: argument 'a\u001fb.elf' has an ASCII unit separator (0x1f), which separates a job's words\n",
                separator.err());
        Run none = run(rt, OXEN.toString(), "machine");
        assertEquals(2, none.status(), none.err());
        assertEquals("oxen: machine: which subcommand? (e.g. ./oxen machine boot -m 64 kernel.elf)\n", none.err());
    }
}
