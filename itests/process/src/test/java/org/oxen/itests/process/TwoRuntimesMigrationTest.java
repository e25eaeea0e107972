package org.oxen.itests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live migration between two oxen runtimes, each its own process ({@code java -jar oxen.jar},
 * each with its own xenstored and console backend, receiving migrations on a loopback port):
 * a cpubench domain that runs its workload round after round ({@code repeat=0}) and answers
 * control/shutdown while it computes ({@code xenstore=1}) is moved with {@code xl migrate --live}
 * ten times back and forth, mid-run. After every move the source no longer lists it, the
 * target runs it under its name and it finishes another round there; at the end it is shut
 * down cleanly, and every round of every runtime printed the checksum Linux computes for the
 * same workload.
 */
class TwoRuntimesMigrationTest {

    @TempDir
    Path dir;

    /** cpubench's workload at these sizes on Linux: guests/tools/native32 2000000 3. */
    private static final String SIZES = "loop=2000000 mix=3";
    private static final String NATIVE_CHECKSUM = "0xed1ee380";
    private static final Pattern ROUND = Pattern.compile("(?m)^cpubench: round=(\\d+) checksum=(0x[0-9a-f]{8})");
    private static final Pattern LISTENING = Pattern.compile("oxen: receiving migrations on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DONE = Pattern.compile(
            "migration of domain (\\d+) done: (\\d+) pages, (\\d+) KiB; downtime (\\d+) ms, total (\\d+) ms; now domain (\\d+)");

    private static final List<String> JVM = List.of("-Doxen.domains.dir=none", "-Doxen.memory.mib=64",
            "-Doxen.migration.port=0", "-Xmx512m");

    @Test
    void cpubenchMigratesLiveTenTimesBetweenTwoRuntimeProcessesAndEndsWithTheNativeChecksum() throws Exception {
        assertTrue(Files.isRegularFile(OxenProcess.JAR), OxenProcess.JAR + " (built by the runtime module)");
        Path cfg = dir.resolve("cpubench.cfg");
        Files.writeString(cfg, "name = \"cpubench\"\nkernel = \"guest:cpubench\"\nmemory = 16\n"
                + "extra = \"" + SIZES + " repeat=0 xenstore=1 expect=" + NATIVE_CHECKSUM + "\"\n"
                + "on_poweroff = \"preserve\"\non_crash = \"preserve\"\n");
        try (OxenConsole a = new OxenConsole(dir, JVM); OxenConsole b = new OxenConsole(dir, JVM)) {
            OxenConsole[] rt = {a, b};
            int[] port = {port(a), port(b)};
            int rounds = create(a, cfg);
            List<String> consoles = new ArrayList<>();
            int at = 0;
            for (int move = 1; move <= 10; move++) {
                String err = move(rt[at], rt[1 - at], port[1 - at], "move " + move);
                assertTrue(err.contains("migration round 1: "), err);
                at = 1 - at;
                rounds = awaitRoundAfter(rt[at], rounds);
                consoles.add(rt[at].run("xl console -w 0.2 cpubench"));
            }
            OxenConsole last = rt[at];
            last.run("xl shutdown -w cpubench");
            String end = last.run("xl console -w 0.2 cpubench");
            assertTrue(end.contains("shutdown: poweroff requested through control/shutdown"), end);
            assertTrue(end.contains("RESULT: PASS"), end);
            consoles.add(end);
            int seen = 0;
            for (String c : consoles) {
                assertTrue(c.contains("shutdown: suspend requested through control/shutdown: resumed in a new domain"), c);
                seen += nativeRounds(c);
            }
            assertTrue(seen >= 11, "rounds seen on the targets' consoles: " + seen);
            noExceptions(rt);
        }
    }

    /**
     * An HVM cpubench domain (the native kernel, type = "hvm", computing round after round) moved
     * live four times back and forth between the two runtime processes, mid-run: each target
     * lists it under its name, and every round it computes there has the native checksum. An HVM
     * guest does not cooperate: each source pauses it before the last copy, and the target goes
     * on from its CPU, devices and memory.
     */
    @Test
    void anHvmCpubenchMigratesLiveBetweenTwoRuntimeProcessesAndKeepsTheNativeChecksum() throws Exception {
        assertTrue(Files.isRegularFile(OxenProcess.JAR), OxenProcess.JAR + " (built by the runtime module)");
        Path cfg = dir.resolve("hvmbench.cfg");
        Files.writeString(cfg, "name = \"cpubench\"\ntype = \"hvm\"\nkernel = \"guest-native:cpubench\"\nmemory = 16\n"
                + "extra = \"" + SIZES + " repeat=0 expect=" + NATIVE_CHECKSUM + "\"\n"
                + "on_poweroff = \"preserve\"\non_crash = \"preserve\"\n");
        try (OxenConsole a = new OxenConsole(dir, JVM); OxenConsole b = new OxenConsole(dir, JVM)) {
            OxenConsole[] rt = {a, b};
            int[] port = {port(a), port(b)};
            create(a, cfg);
            int at = 0, seen = 0;
            for (int move = 1; move <= 4; move++) {
                move(rt[at], rt[1 - at], port[1 - at], "HVM move " + move);
                at = 1 - at;
                // the restored domain's console starts empty: two rounds computed there
                awaitRoundAfter(rt[at], 0);
                seen += nativeRounds(rt[at].run("xl console -w 0.2 cpubench"));
            }
            assertTrue(seen >= 4, "rounds seen on the targets' consoles: " + seen);
            rt[at].run("xl destroy cpubench");
            noExceptions(rt);
        }
    }

    /** Creates cpubench from {@code cfg} on {@code rt} and waits for a round after round 1; returns the latest. */
    private static int create(OxenConsole rt, Path cfg) throws Exception {
        String created = rt.run("xl create " + cfg);
        assertFalse(rt.err().contains("xl:"), created + rt.err());
        return awaitRoundAfter(rt, 1);
    }

    /**
     * Moves cpubench live from {@code from} to {@code to} (receiving on {@code port}): the move is
     * done, ended by a stop-and-copy, listed by the target only. Returns the source's stderr of it.
     */
    private static String move(OxenConsole from, OxenConsole to, int port, String what) throws Exception {
        int errBefore = from.err().length();
        String out = from.run("xl migrate --live cpubench 127.0.0.1:" + port);
        String err = from.err().substring(errBefore);
        Matcher done = DONE.matcher(err);
        assertTrue(done.find(), what + ": " + out + err);
        assertTrue(err.contains("(stop-and-copy)"), err);
        System.out.println("two runtime processes, " + what + ": " + done.group());
        assertFalse(from.run("xl list").lines().anyMatch(l -> l.startsWith("cpubench")), from.run("xl list"));
        assertTrue(to.run("xl list").lines().anyMatch(l -> l.startsWith("cpubench ")), to.run("xl list"));
        return err;
    }

    /** The rounds on a console, each checked to have the native checksum (and no failure there). */
    private static int nativeRounds(String console) {
        assertFalse(console.contains("RESULT: FAIL"), console);
        Matcher m = ROUND.matcher(console);
        int n = 0;
        while (m.find()) {
            assertEquals(NATIVE_CHECKSUM, m.group(2), console);
            n++;
        }
        return n;
    }

    private static void noExceptions(OxenConsole... rt) throws java.io.IOException {
        for (OxenConsole r : rt) {
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    private static int port(OxenConsole rt) throws Exception {
        Matcher m = LISTENING.matcher(rt.await("the migration port", false, s -> LISTENING.matcher(s).find()));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    /** Waits until the runtime's cpubench has printed a round after round {@code n}; returns the latest round. */
    private static int awaitRoundAfter(OxenConsole rt, int n) throws Exception {
        long end = System.nanoTime() + 180_000_000_000L;
        while (true) {
            String c = rt.run("xl console -w 0.2 cpubench");
            assertFalse(c.contains("RESULT: FAIL"), c);
            Matcher m = ROUND.matcher(c);
            int last = 0;
            while (m.find()) last = Integer.parseInt(m.group(1));
            if (last > n) return last;
            assertTrue(System.nanoTime() < end, "no round after " + n + " within 180 s:\n" + c);
            Thread.sleep(200);
        }
    }
}
