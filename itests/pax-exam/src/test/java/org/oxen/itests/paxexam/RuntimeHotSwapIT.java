package org.oxen.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.oxen.itests.paxexam.broken.StarvingSchedulerActivator;

/**
 * Hot-swap in the shipped runtime, as a Felix user does it (issue 25): {@code java -jar
 * runtime/target/oxen.jar} as a separate process, driven through its console (stdin/stdout), with
 * four cpubench domains that run until destroyed ({@code repeat=0}). Then, asserting after every
 * step that every domain is still running ({@code xl list}):
 * <ol>
 * <li>{@code stop}, {@code start} and {@code update} (no URL) of the credit bundle, then
 *     {@code uninstall} and {@code install} from its file URL;</li>
 * <li>a configuration file in the deploy directory (Config Admin) that makes rr the default
 *     scheduler: Pool-0 moves to rr, and back to credit when the file is removed;</li>
 * <li>a rebuilt credit jar dropped into the deploy directory (FileInstall updates the running
 *     bundle in place);</li>
 * <li>broken jars dropped in: not a bundle, a bundle whose requirements do not resolve, a
 *     scheduler bundle that fails the SPI's conformance check; each reported, Pool-0 stays on
 *     credit;</li>
 * <li>the credit jar removed from the deploy directory (its bundle is uninstalled, Pool-0 moves to
 *     another scheduler) and put back (Pool-0 returns to credit).</li>
 * </ol>
 * At the end every domain's rounds carry one checksum (the same for all four, as they run the same
 * work) and, after destroying them, {@code xl info}'s free memory is back to its start value.
 *
 * <p>No fixed sleeps: every wait polls the process output with a generous deadline.
 */
public class RuntimeHotSwapIT {

    private static final long DEADLINE_MS = 90_000;
    private static final int DOMAINS = 4;
    private static final Pattern ROUND = Pattern.compile("cpubench: round=(\\d+) checksum=(0x[0-9a-f]{8})");

    private Path root;
    private Path deploy;
    private Process process;
    private Writer stdin;
    private final StringBuffer output = new StringBuffer();
    private int marks;

    @Before
    public void startRuntime() throws IOException {
        root = Path.of(OxenOptions.required("oxen.repository.root")).toAbsolutePath().normalize();
        Path jar = root.resolve("runtime/target/oxen.jar");
        assertTrue(jar + " missing: build the runtime first", Files.isRegularFile(jar));
        deploy = Files.createTempDirectory("oxen-deploy");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Doxen.memory.mib=256", "-Doxen.pcpus=2", "-Doxen.domains.dir=none",
                "-Dfelix.fileinstall.dir=" + deploy, "-jar", jar.toString());
        process = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
        stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> pump(process.getInputStream()), "oxen-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    private void pump(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            char[] buf = new char[8192];
            for (int n; (n = r.read(buf)) > 0;) {
                output.append(buf, 0, n);
            }
        } catch (IOException e) {
            output.append("\n[reader: " + e + "]\n");
        }
    }

    @After
    public void stopRuntime() throws Exception {
        try {
            if (process.isAlive()) {
                send("stop 0");
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            // already gone
        } finally {
            process.destroyForcibly();
            try (var files = Files.list(deploy)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(deploy);
        }
    }

    // ------------------------------------------------------------------ console

    private void send(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /** Polls the process output (from {@code from}) until {@code done} holds; fails at the deadline. */
    private String await(int from, String what, Predicate<String> done) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (true) {
            String s = output.substring(Math.min(from, output.length()));
            if (done.test(s)) {
                return s;
            }
            if (!process.isAlive()) {
                fail("oxen exited (" + process.exitValue() + ") while waiting for " + what + ":\n" + output);
            }
            if (System.nanoTime() > end) {
                fail("no " + what + " within " + DEADLINE_MS + " ms; output:\n" + output);
            }
            Thread.sleep(50);
        }
    }

    /** Runs one Gogo command and returns what it printed (between two echo marks). */
    private String run(String command) throws Exception {
        int n = ++marks;
        String begin = "swapmark_b_" + n + "\n";
        String end = "swapmark_e_" + n + "\n";
        int from = output.length();
        send("echo swapmark_b_" + n);
        send(command);
        send("echo swapmark_e_" + n);
        String s = await(from, "the output of '" + command + "'", t -> t.contains(end));
        int b = s.indexOf(begin);
        assertTrue(s, b >= 0);
        return s.substring(b + begin.length(), s.indexOf(end)).replaceAll("(?m)^(g! )+", "");
    }

    /** Waits until a line containing {@code needle} appears after {@code from}. */
    private void awaitLine(int from, String needle) throws InterruptedException {
        await(from, "'" + needle + "'", s -> s.contains(needle));
    }

    // ------------------------------------------------------------------ state

    /** xl list: name -> state, for the guests. */
    private Map<String, String> states() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : run("xl list").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[0].startsWith("hs")) {
                m.put(f[0], f[4]);
            }
        }
        return m;
    }

    private void assertAllRunning(String step) throws Exception {
        Map<String, String> s = states();
        assertEquals(step + ": domains in xl list " + s, DOMAINS, s.size());
        for (Map.Entry<String, String> e : s.entrySet()) {
            // r (running) or b (blocked, waiting for a pCPU's next slice); never s, c, d or p
            assertTrue(step + ": " + e.getKey() + " is " + e.getValue() + ", not running: " + s,
                    e.getValue().matches("[r-][b-]----"));
        }
    }

    /** The scheduler of Pool-0 (xl cpupool-list). */
    private String pool0Scheduler() throws Exception {
        for (String line : run("xl cpupool-list").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].equals("Pool-0")) {
                return f[2];
            }
        }
        throw new AssertionError("no Pool-0 in xl cpupool-list");
    }

    private void awaitPool0(String scheduler) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        String now;
        while (!(now = pool0Scheduler()).equals(scheduler)) {
            if (System.nanoTime() > end) {
                fail("Pool-0 runs " + now + ", not " + scheduler + "; output:\n" + output);
            }
            Thread.sleep(100);
        }
    }

    /** The credit bundle's id (lb), or -1 if it is not installed. */
    private long creditBundle() throws Exception {
        Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\|(\\w+)\\s*\\|.*oxen scheduler: credit").matcher(run("lb credit"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long info(String xlInfo, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + "\\s+: (\\d+)").matcher(xlInfo);
        assertTrue(xlInfo, m.find());
        return Long.parseLong(m.group(1));
    }

    /** Every round line of each domain's console: domain -> checksums seen, highest round. */
    private Map<String, long[]> rounds(Map<String, TreeSet<String>> checksums) throws Exception {
        Map<String, long[]> last = new LinkedHashMap<>();
        for (int i = 1; i <= DOMAINS; i++) {
            String name = "hs" + i;
            Matcher m = ROUND.matcher(run("xl console -w 0.2 " + name));
            long max = -1;
            TreeSet<String> sums = checksums.computeIfAbsent(name, k -> new TreeSet<>());
            while (m.find()) {
                max = Math.max(max, Long.parseLong(m.group(1)));
                sums.add(m.group(2));
            }
            last.put(name, new long[] {max});
        }
        return last;
    }

    // ------------------------------------------------------------------ jars

    /** Writes {@code make} to a temporary name the watcher ignores, then renames it into place. */
    private void drop(String name, JarWriter make) throws IOException {
        Path tmp = deploy.resolve(name + ".part");
        try (OutputStream o = Files.newOutputStream(tmp)) {
            make.write(o);
        }
        Files.move(tmp, deploy.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private interface JarWriter {
        void write(OutputStream o) throws IOException;
    }

    private static Manifest manifest(String... headers) {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        for (int i = 0; i < headers.length; i += 2) {
            m.getMainAttributes().putValue(headers[i], headers[i + 1]);
        }
        return m;
    }

    /** The credit jar the runtime ships (runtime/target/bundles/jar). */
    private Path shippedCredit() throws IOException {
        try (var files = Files.list(root.resolve("runtime/target/bundles/jar"))) {
            return files.filter(p -> p.getFileName().toString().startsWith("org.oxen.sched.credit-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no credit jar under runtime/target/bundles/jar"));
        }
    }

    /** The shipped credit jar plus one more entry: a rebuild with the same name and version. */
    private JarWriter rebuiltCredit() throws IOException {
        Path shipped = shippedCredit();
        return o -> {
            try (JarFile in = new JarFile(shipped.toFile()); JarOutputStream out = new JarOutputStream(o, in.getManifest())) {
                for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements();) {
                    JarEntry je = e.nextElement();
                    if (je.getName().equals(JarFile.MANIFEST_NAME) || je.getName().equals("META-INF/")) {
                        continue;
                    }
                    out.putNextEntry(new ZipEntry(je.getName()));
                    try (InputStream is = in.getInputStream(je)) {
                        is.transferTo(out);
                    }
                }
                out.putNextEntry(new ZipEntry("OSGI-INF/rebuilt-by-RuntimeHotSwapIT.txt"));
                out.write("rebuilt\n".getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /** The version range a consumer of the shipped org.oxen.sched.api imports: [major.minor, major+1). */
    private String schedApiRange() throws IOException {
        try (var files = Files.list(root.resolve("runtime/target/bundles/jar"))) {
            Path api = files.filter(p -> p.getFileName().toString().startsWith("org.oxen.sched.api-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no org.oxen.sched.api jar under runtime/target/bundles/jar"));
            try (JarFile jar = new JarFile(api.toFile())) {
                String exports = jar.getManifest().getMainAttributes().getValue("Export-Package");
                Matcher m = Pattern.compile("org\\.oxen\\.sched\\.api;[^,]*version=\"(\\d+)\\.(\\d+)").matcher(exports);
                assertTrue(exports, m.find());
                int major = Integer.parseInt(m.group(1));
                return "[" + major + "." + m.group(2) + "," + (major + 1) + ")";
            }
        }
    }

    private JarWriter starvingScheduler() throws IOException {
        Manifest m = manifest("Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "org.oxen.itests.starving",
                "Bundle-Version", "1.0.0", "Bundle-Activator", StarvingSchedulerActivator.class.getName(),
                "Import-Package", "org.osgi.framework;version=\"[1.8,2)\",org.oxen.sched.api;version=\"" + schedApiRange() + "\"");
        return o -> {
            try (JarOutputStream out = new JarOutputStream(o, m)) {
                for (Class<?> c : List.of(StarvingSchedulerActivator.class, StarvingSchedulerActivator.Factory.class)) {
                    String path = c.getName().replace('.', '/') + ".class";
                    out.putNextEntry(new ZipEntry(path));
                    try (InputStream is = c.getClassLoader().getResourceAsStream(path)) {
                        is.transferTo(out);
                    }
                }
            }
        };
    }

    // ------------------------------------------------------------------ the test

    @Test
    public void creditBundleStopStartUpdateDeployBrokenJarsRemoveAndReturnWhileDomainsRun() throws Exception {
        String info0 = run("xl info");
        long free0 = info(info0, "free_memory");
        long frames0 = info(info0, "free_frames");
        for (int i = 1; i <= DOMAINS; i++) {
            String out = run("xl create runtime/domains/cpubench.cfg name=hs" + i
                    + " extra=\"loop=200000 mix=50 repeat=0\"");
            assertFalse(out, out.contains("rror"));
        }
        assertAllRunning("created");
        awaitPool0("credit");
        // every domain past its first check (round 1 compares with round 0)
        Map<String, TreeSet<String>> checksums = new LinkedHashMap<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        Map<String, long[]> first;
        while ((first = rounds(checksums)).values().stream().anyMatch(r -> r[0] < 1)) {
            assertTrue("no rounds yet: " + output, System.nanoTime() < end);
            Thread.sleep(200);
        }

        long credit = creditBundle();
        assertTrue(credit > 0);

        // 1. stop / start / update (no URL) of the credit bundle
        run("stop " + credit);
        awaitPool0Not("credit");
        assertEquals("stop leaves the bundle installed", credit, creditBundle());
        assertAllRunning("stop credit");
        run("start " + credit);
        awaitPool0("credit");
        assertAllRunning("start credit");
        String upd = run("update " + credit);
        assertFalse(upd, upd.contains("Unable to update") || upd.contains("Exception"));
        awaitPool0("credit");
        assertEquals("update keeps the bundle id", credit, creditBundle());
        assertAllRunning("update credit");
        Matcher loc = Pattern.compile("(?m)^\\s*" + credit + "\\|[^|]*\\|[^|]*\\|([^|]+)\\|").matcher(run("lb -l"));
        assertTrue(output.toString(), loc.find());
        assertEquals("the shipped bundles are installed by reference, so update re-reads their file",
                "reference:" + shippedCredit().toFile().toURI(), loc.group(1));
        // uninstall / install from a URL / start, as in any Felix
        run("uninstall " + credit);
        awaitPool0Not("credit");
        assertEquals(-1, creditBundle());
        assertAllRunning("uninstall credit");
        Matcher installed = Pattern.compile("Bundle ID: (\\d+)").matcher(run("install " + shippedCredit().toFile().toURI()));
        assertTrue(output.toString(), installed.find());
        credit = Long.parseLong(installed.group(1));
        run("start " + credit);
        awaitPool0("credit");
        assertEquals(credit, creditBundle());
        assertAllRunning("install and start credit");

        // 2. a component configuration in the deploy directory (Config Admin) makes rr the default:
        // Pool-0 moves to it; removing the file moves Pool-0 back to credit
        int from = output.length();
        Path rrConfig = deploy.resolve("org.oxen.sched.rr.RoundRobinFactory.config");
        drop(rrConfig.getFileName().toString(),
                o -> o.write("service.ranking=I\"2000\"\noxen.sched.default=B\"true\"\n".getBytes(StandardCharsets.UTF_8)));
        awaitLine(from, "Creating configuration {org.oxen.sched.rr.RoundRobinFactory}");
        awaitPool0("rr");
        assertAllRunning("rr made the default by a configuration file");
        Files.delete(rrConfig);
        awaitPool0("credit");
        assertAllRunning("rr's configuration file removed");

        // 3. a rebuilt credit jar dropped into the deploy directory updates the running bundle
        from = output.length();
        drop("org.oxen.sched.credit.jar", rebuiltCredit());
        awaitLine(from, "A bundle with the same symbolic name (org.oxen.sched.credit)");
        awaitLine(from, "Started bundle: ");
        awaitPool0("credit");
        assertEquals(credit, creditBundle());
        String headers = run("headers " + credit);
        assertTrue(headers, headers.contains("Bundle-SymbolicName = org.oxen.sched.credit"));
        assertAllRunning("rebuilt credit dropped in");

        // 4. broken jars: each reported, nothing running changes
        from = output.length();
        drop("garbage.jar", o -> o.write("this is not a zip".getBytes(StandardCharsets.UTF_8)));
        awaitLine(from, "garbage.jar is not an OSGi bundle: it is not a readable jar");
        from = output.length();
        drop("plain.jar", o -> new JarOutputStream(o, manifest("Created-By", "a plain library")).close());
        awaitLine(from, "plain.jar is not an OSGi bundle: its manifest has no Bundle-SymbolicName");
        assertAllRunning("not-a-bundle jars dropped in");
        assertEquals("credit", pool0Scheduler());

        from = output.length();
        drop("unresolvable.jar", o -> new JarOutputStream(o, manifest("Bundle-ManifestVersion", "2",
                "Bundle-SymbolicName", "org.oxen.itests.unresolvable", "Bundle-Version", "1.0.0",
                "Import-Package", "org.oxen.does.not.exist;version=\"[1,2)\"")).close());
        awaitLine(from, "missing requirement");
        assertTrue(output.substring(from), output.substring(from).contains("org.oxen.does.not.exist"));
        assertTrue(run("lb unresolvable"), run("lb unresolvable").matches("(?s).*\\|Installed\\s*\\|.*"));
        assertAllRunning("unresolvable bundle dropped in");
        assertEquals("credit", pool0Scheduler());

        from = output.length();
        drop("starving.jar", starvingScheduler());
        awaitLine(from, "oxen: refused scheduler 'starving' of bundle org.oxen.itests.starving [");
        assertTrue(output.substring(from), output.substring(from).contains("it fails conformance: starving: FAILS"));
        String dmesg;
        long refusalDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!(dmesg = run("xl dmesg")).contains("sched: refusing scheduler 'starving': it fails conformance")) {
            assertTrue("no refusal in xl dmesg:\n" + dmesg, System.nanoTime() < refusalDeadline);
            Thread.sleep(100);
        }
        assertTrue(dmesg, dmesg.contains("a schema is null"));
        assertEquals("a refused scheduler does not take Pool-0", "credit", pool0Scheduler());
        assertAllRunning("scheduler failing conformance dropped in");

        // 5. the credit jar removed (its bundle is uninstalled) and put back
        from = output.length();
        Files.delete(deploy.resolve("org.oxen.sched.credit.jar"));
        awaitLine(from, "Uninstalling bundle " + credit);
        awaitPool0Not("credit");
        assertEquals(-1, creditBundle());
        assertAllRunning("credit jar removed");
        from = output.length();
        drop("org.oxen.sched.credit.jar", rebuiltCredit());
        awaitLine(from, "Installing bundle org.oxen.sched.credit");
        awaitPool0("credit");
        assertTrue(creditBundle() > credit);
        assertAllRunning("credit jar put back");

        // the work was right all along, and still going
        Map<String, long[]> last = rounds(checksums);
        TreeSet<String> all = new TreeSet<>();
        for (Map.Entry<String, TreeSet<String>> e : checksums.entrySet()) {
            assertEquals(e.getKey() + "'s rounds disagree: " + e.getValue(), 1, e.getValue().size());
            all.addAll(e.getValue());
            assertTrue(e.getKey() + " made no progress through the swaps",
                    last.get(e.getKey())[0] > first.get(e.getKey())[0]);
        }
        assertEquals("the domains run the same work: " + all, 1, all.size());
        assertFalse(output.toString(), output.toString().contains("RESULT: FAIL"));

        // no frame leaked
        for (int i = 1; i <= DOMAINS; i++) {
            run("xl destroy hs" + i);
        }
        assertTrue(states().isEmpty());
        String info1 = run("xl info");
        assertEquals("free memory after destroying every domain", free0, info(info1, "free_memory"));
        assertEquals("free frames after destroying every domain", frames0, info(info1, "free_frames"));
    }

    private void awaitPool0Not(String scheduler) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        String now;
        while ((now = pool0Scheduler()).equals(scheduler)) {
            if (System.nanoTime() > end) {
                fail("Pool-0 still runs " + now + "; output:\n" + output);
            }
            Thread.sleep(100);
        }
    }
}
