package org.oxen.itests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, scripted use and the runtime's settings, shown on the exported jar run as its own
 * process: exit statuses, hangs, and what a user sees on stderr.
 */
class ScriptedUseTest {

    @TempDir
    static Path dir;

    /** A domains directory with one domain, booted from the guest kit (kernel = "guest:hello"). */
    static Path domains;

    @BeforeAll
    static void configs() throws Exception {
        assertTrue(Files.isRegularFile(OxenProcess.JAR), OxenProcess.JAR + " (built by the runtime module)");
        domains = Files.createDirectory(dir.resolve("domains"));
        Files.writeString(domains.resolve("hello.cfg"),
                "name = \"hello\"\nkernel = \"guest:hello\"\nmemory = 8\ncmdline = \"expect_mem_mib=8\"\n"
                        + "on_poweroff = \"preserve\"\n");
    }

    private static String noDomains() {
        return "-Doxen.domains.dir=none";
    }

    @Test
    void cleanStopExitsZeroNot117() throws Exception {
        OxenProcess.Result r = OxenProcess.script(dir, "xl list; stop 0", noDomains());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\nDomain-0 "), r.out());
    }

    @Test
    void failedXlCommandMakesTheProcessExitOne() throws Exception {
        OxenProcess.Result r = OxenProcess.script(dir, "xl destroy nosuch; xl list; stop 0", noDomains());
        assertEquals(1, r.status(), r.err());
        assertEquals(List.of("nosuch is an invalid domain identifier (rc=-6)"), r.errLines());
        assertTrue(r.out().contains("\nDomain-0 "), "the script went on: " + r.out());
    }

    @Test
    void failingGogoCommandDoesNotLeaveTheJvmRunning() throws Exception {
        // the command throws, Gogo abandons the script before 'stop 0': oxen stops itself
        OxenProcess.Result r = OxenProcess.script(dir, "nosuchcommand; stop 0", noDomains());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("oxen: the script failed"), r.err());
    }

    @Test
    void failedMachineCommandMakesTheProcessExitOne() throws Exception {
        OxenProcess.Result r = OxenProcess.script(dir, "machine boot " + dir + "; stop 0", noDomains());
        assertEquals(1, r.status(), r.err());
        assertEquals(List.of("machine: " + dir + ": is a directory, not a kernel or ROM image"), r.errLines());
    }

    @Test
    void dryRunDestroyIsRefusedAndDestroysNothing() throws Exception {
        OxenProcess.Result r = OxenProcess.script(dir, "xl -N destroy hello; xl list hello; stop 0",
                "-Doxen.domains.dir=" + domains);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("command does not implement -N (dryrun) option"), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("hello ")), "hello must still exist: " + r.out());
        assertTrue(r.err().contains("oxen: created domain 'hello' (id 1) from domains/hello.cfg"),
                "guest:hello served by the guest kit's catalog: " + r.err());
        assertFalse(r.err().contains("not started"), "a catalog that starts after the toolstack is waited for: " + r.err());
    }

    @Test
    void badMemoryPropertyIsOneLineNotStackTraces() throws Exception {
        for (String bad : new String[] {"0", "abc"}) {
            OxenProcess.Result r = OxenProcess.script(dir, "xl info; stop 0", noDomains(), "-Doxen.memory.mib=" + bad);
            List<String> lines = r.errLines();
            assertEquals(List.of("oxen: the hypervisor is not started: oxen.memory.mib=" + bad
                    + (bad.equals("0") ? " is outside 8..15360 MiB" : " is not a whole number (8..15360 MiB)")), lines,
                    r.err());
            assertEquals(0, r.status(), "xl info still works without the hypervisor");
        }
    }

    /**
     * Session 16: machine memory is host memory outside the Java heap, so a runtime checks it
     * against what the host can back (here an explicit oxen.memory.limit.mib), not against -Xmx:
     * a pool twice the heap starts, a pool above the limit is refused by name with the numbers.
     */
    @Test
    void machineMemoryIsCheckedAgainstTheHostNotTheJavaHeap() throws Exception {
        OxenProcess.Result r = OxenProcess.script(dir, "xl info; stop 0",
                List.of(noDomains(), "-Doxen.memory.mib=512", "-Doxen.memory.limit.mib=600", "-Xmx256m"), Map.of(), 90);
        assertEquals(0, r.status(), r.err());
        assertFalse(r.err().contains("not started"), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("total_memory\\s*:\\s*512")), "a 512 MiB pool in a 256 MiB heap: " + r.out());
        r = OxenProcess.script(dir, "xl info; stop 0", noDomains(), "-Doxen.memory.mib=700", "-Doxen.memory.limit.mib=600");
        assertEquals(List.of("oxen: the hypervisor is not started: oxen.memory.mib=700 is more guest RAM than the host can"
                + " back: 600 MiB (oxen.memory.limit.mib; guest RAM is host memory outside the Java heap, committed as"
                + " domains touch it): a smaller oxen.memory.mib or a larger oxen.memory.limit.mib"), r.errLines(), r.err());
        assertEquals(0, r.status(), "xl info still works without the hypervisor");
    }

    @Test
    void badPcpusPropertyIsOneLine() throws Exception {
        OxenProcess.Result r = OxenProcess.script(dir, "stop 0", noDomains(), "-Doxen.pcpus=0");
        assertEquals(List.of("oxen: the hypervisor is not started: oxen.pcpus=0 is outside 1..256 pCPUs"), r.errLines());
    }

    @Test
    void domainsDirPointingNowhereIsReportedNotCreated() throws Exception {
        Path nowhere = dir.resolve("no/such/dir");
        OxenProcess.Result r = OxenProcess.script(dir, "stop 0", "-Doxen.domains.dir=" + nowhere);
        assertEquals(List.of("oxen: oxen.domains.dir=" + nowhere + ": " + nowhere
                + " does not exist; no domains are started"), r.errLines());
        assertFalse(Files.exists(nowhere));
        assertEquals(0, r.status());
    }

    @Test
    void nonAsciiNamesAreShownAsUtf8InTheCLocale() throws Exception {
        Path cfg = Files.writeString(dir.resolve("cafe.cfg"), "name = \"café~1\"\nkernel = \"guest:hello\"\nmemory = 8\n");
        Map<String, String> cLocale = new HashMap<>();
        cLocale.put("LANG", null);
        cLocale.put("LC_ALL", null);
        cLocale.put("LC_CTYPE", null);
        OxenProcess.Result r = OxenProcess.script(dir, "xl create -q -p " + cfg + "; xl list -v; stop 0", // -p: hello would end before the listing
                List.of(noDomains()), cLocale, 90);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("café~1 ")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(
                "café~1 +1 .* [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} .*")),
                "a real random uuid: " + r.out());
    }

    @Test
    void machinesRamIsOutsideTheJavaHeapAndAnImageTheHeapCannotHoldIsRefusedByName() throws Exception {
        Path hello = Path.of(System.getProperty("oxen.native.images")).resolve("hello.elf");
        assertTrue(Files.isRegularFile(hello), hello.toString());
        // a 40 MiB module is loaded into RAM: each machine commits 40 MiB of host memory outside
        // the heap, and an ended machine keeps its image (40 MiB of heap) for its console and reset
        Path module = dir.resolve("big.mod");
        try (var out = Files.newOutputStream(module)) {
            byte[] mib = new byte[1 << 20];
            java.util.Arrays.fill(mib, (byte) 0x5A);
            for (int i = 0; i < 40; i++) {
                out.write(mib);
            }
        }
        String boot = "machine boot -w -m 200 --module " + module + " " + hello;
        // two 200 MiB machines in a 224 MiB heap: their RAM is not in it (session 14 and before,
        // machine 2 did not fit)
        OxenProcess.Result r = OxenProcess.script(dir, boot + "; " + boot + "; stop 0",
                List.of(noDomains(), "-Doxen.memory.mib=8", "-Xmx224m"), Map.of(), 90);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("machine 1 \\(.*hello.elf\\): exited, exit status 33")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("machine 2 \\(.*hello.elf\\): exited, exit status 33")),
                r.out() + r.err());
        // an image the heap cannot hold (a 120 MiB module, a 96 MiB heap): refused by name, nothing runs
        Path huge = dir.resolve("huge.mod");
        try (var out = Files.newOutputStream(huge)) {
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 120; i++) {
                out.write(mib);
            }
        }
        r = OxenProcess.script(dir, "machine boot -w -m 200 --module " + huge + " " + hello + "; stop 0",
                List.of(noDomains(), "-Doxen.memory.mib=8", "-Xmx96m"), Map.of(), 90);
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("module " + huge + ": does not fit the Java heap ("), r.out() + r.err());
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("machine 1 ")), r.out());
    }
}
