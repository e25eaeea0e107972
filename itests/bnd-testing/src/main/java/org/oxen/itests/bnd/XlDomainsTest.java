package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;

/** Every xl subcommand on real domains, typed through Gogo as a user types it. */
class XlDomainsTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    @InjectBundleContext
    BundleContext context;

    private GogoSession gogo;
    private Path dir;
    private long freeAtStart;

    @BeforeEach
    void open() throws Exception {
        gogo = new GogoSession(processor);
        dir = Files.createTempDirectory("xl-it");
        freeAtStart = hv.freeFrames();
    }

    @AfterEach
    void close() throws Exception {
        // by name, as a user would: a domain in a restart loop is followed to its new id
        for (int round = 0; round < 50 && hv.list().stream().anyMatch(d -> d.name().startsWith("xt-")); round++) {
            for (Domain d : hv.list()) {
                if (d.name().startsWith("xt-")) {
                    gogo.run("xl destroy " + d.name());
                }
            }
        }
        gogo.close();
        awaitTrue(() -> hv.freeFrames() == freeAtStart, "frames back to " + freeAtStart);
    }

    private Path cfg(String file, String text) throws Exception {
        Path p = dir.resolve(file);
        Files.writeString(p, text);
        return p;
    }

    private Path hello(String name, String extra) throws Exception {
        return cfg(name + ".cfg", "name = \"" + name + "\"\nkernel = \"guest:hello\"\nmemory = 16\n"
                + "extra = \"expect_mem_mib=16\"\non_poweroff = \"preserve\"\n" + extra);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String row(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + name + " in\n" + text));
    }

    @Test
    void createConsoleListDestroy() throws Exception {
        Path cfg = hello("xt-hello", "");
        assertEquals("", gogo.run("xl create " + cfg));
        assertEquals("Parsing config from " + cfg, gogo.err().strip());
        assertEquals(0, gogo.get("xl.status"));
        Domain d = hv.find("xt-hello").orElseThrow();

        String console = gogo.run("xl console xt-hello");
        assertTrue(console.contains("hello: flavor=pv"), console);
        assertTrue(console.strip().endsWith("RESULT: PASS"), console);

        String list = gogo.run("xl list");
        assertTrue(list.startsWith("Name                                        ID   Mem VCPUs\tState\tTime(s)\n"), list);
        assertTrue(row(list, "Domain-0").matches("Domain-0 {32} {5}0 +\\d+ +\\d+     r-----  +\\d+\\.\\d"), list);
        String r = row(list, "xt-hello");
        assertTrue(r.matches(String.format("xt-hello {32} %5d    16     1     ---s--  +\\d+\\.\\d", d.id())), r);
        assertEquals(list.lines().count(), gogo.run("xl list").lines().count());
        assertEquals(2, gogo.run("xl list xt-hello " + d.id()).lines().count() - 1);

        String json = gogo.run("xl list -l xt-hello");
        assertTrue(json.contains("\"name\": \"xt-hello\""), json);
        assertTrue(json.contains("\"kernel\": \"guest:hello\""), json);
        assertTrue(json.contains("\"on_poweroff\": \"preserve\""), json);
        assertTrue(json.contains("\"shutdown_reason\": \"poweroff\""), json);

        assertEquals("", gogo.run("xl destroy xt-hello"));
        assertEquals(0, gogo.get("xl.status"));
        assertTrue(hv.find("xt-hello").isEmpty());
        assertEquals(freeAtStart, hv.freeFrames());
    }

    @Test
    void createWithOverridesDryRunPausedAndConsoleFlag() throws Exception {
        Path cfg = hello("xt-base", "");
        String dry = gogo.run("xl create -n " + cfg + " name=xt-dry memory=20 extra=expect_mem_mib=20");
        assertTrue(dry.contains("\"name\": \"xt-dry\""), dry);
        assertTrue(dry.contains("\"target_memkb\": 20480"), dry);
        assertTrue(hv.find("xt-dry").isEmpty(), "dry run created nothing");

        String attached = gogo.run("xl create -c " + cfg + " name=xt-c memory=20 extra=expect_mem_mib=20");
        assertTrue(attached.contains("memory=20480 KiB (20 MiB)"), attached);
        assertTrue(attached.strip().endsWith("RESULT: PASS"), attached);

        gogo.run("xl create -p " + cfg + " name=xt-p");
        Domain p = hv.find("xt-p").orElseThrow();
        assertTrue(row(gogo.run("xl list"), "xt-p").contains("--p---"));
        assertEquals("", gogo.run("xl unpause xt-p"));
        assertTrue(p.awaitShutdown(60, TimeUnit.SECONDS));
        assertTrue(gogo.run("xl console " + p.id()).contains("RESULT: PASS"));
    }

    /**
     * {@code xl create -c} attaches the console before the domain first runs (libxl unpauses after
     * its aop_console_how), so it shows all the guest writes. It used to create the domain running
     * and attach afterwards: a guest that wrote (or ended) before its console backend connected
     * showed nothing, which a loaded CI hit. Here the backend starts only once the new domain
     * waits for it, paused; the guest's output then all went through its ring, none to console_io.
     */
    @Test
    void createWithConsoleFlagAttachesBeforeTheGuestRuns() throws Exception {
        Path cfg = hello("xt-cfirst", "");
        org.osgi.framework.Bundle consoleback = java.util.Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName().equals("org.oxen.io.consoleback")).findFirst().orElseThrow();
        consoleback.stop();
        java.util.concurrent.CompletableFuture<String> attached = new java.util.concurrent.CompletableFuture<>();
        Thread xl = new Thread(() -> {
            try (GogoSession own = new GogoSession(processor)) {
                attached.complete(own.run("xl create -c " + cfg));
            } catch (Throwable e) {
                attached.completeExceptionally(e);
            }
        }, "xl create -c");
        try {
            xl.start();
            awaitTrue(() -> hv.find("xt-cfirst").isPresent(), "xt-cfirst created");
            Domain d = hv.find("xt-cfirst").orElseThrow();
            assertEquals(org.oxen.vmm.api.DomainState.PAUSED, d.state(), "waits for its console, paused: " + d.consoleOutput());
        } finally {
            consoleback.start();
        }
        String out = attached.get(60, TimeUnit.SECONDS);
        assertTrue(out.contains("hello: flavor=pv") && out.strip().endsWith("RESULT: PASS"), out);
        String consoleIo = hv.find("xt-cfirst").orElseThrow().consoleOutput();
        assertFalse(consoleIo.contains("hello: "), consoleIo);
    }

    @Test
    void maxvcpusAndVcpuSetThroughXenstore() throws Exception {
        Path cfg = hello("xt-vcpus", "vcpus = 2\nmaxvcpus = 4\n");
        gogo.run("xl create -p " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find("xt-vcpus").orElseThrow();
        assertEquals(4, d.vcpus().size(), "maxvcpus vcpus created");
        String base = "/local/domain/" + d.id() + "/cpu/";
        for (int v = 0; v < 4; v++) {
            assertEquals(v < 2 ? "online\n" : "offline\n", gogo.run("xenstore-read " + base + v + "/availability"),
                    "cpu " + v + " at creation");
        }
        assertEquals("", gogo.run("xl vcpu-set -i xt-vcpus 3"));
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        for (int v = 0; v < 4; v++) {
            assertEquals(v < 3 ? "online\n" : "offline\n", gogo.run("xenstore-read " + base + v + "/availability"),
                    "cpu " + v + " after vcpu-set 3");
        }
        gogo.run("xl vcpu-set -i xt-vcpus 5");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("Requested 5 VCPUs, however maxcpus is 4!"), gogo.err());
        gogo.run("xl vcpu-set -i xt-vcpus 0");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("No vcpus specified"), gogo.err());
        gogo.run("xl vcpu-set xt-vcpus many");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("Invalid argument"), gogo.err());
        if (hv.pcpus() < 4) {
            gogo.run("xl vcpu-set xt-vcpus 4");
            assertEquals(1, gogo.get("xl.status"));
            assertTrue(gogo.err().contains("You are overcommmitting!"), gogo.err());
        }
        assertEquals("online\n", gogo.run("xenstore-read " + base + "2/availability"), "refusals change nothing");
        assertEquals("", gogo.run("xl destroy xt-vcpus"));
        awaitTrue(() -> {
            try {
                gogo.run("xenstore-exists " + base + "0/availability");
                return !gogo.get("xenstore.status").equals(0);
            } catch (Exception e) {
                return false;
            }
        }, "the cpu/ nodes to go with the domain");
    }

    @Test
    void pauseUnpauseDomidDomnameVcpuListUptimeDmesgTop() throws Exception {
        Path cfg = hello("xt-misc", "");
        gogo.run("xl create -p " + cfg);
        Domain d = hv.find("xt-misc").orElseThrow();
        assertEquals(String.valueOf(d.id()), gogo.run("xl domid xt-misc").strip());
        assertEquals("xt-misc", gogo.run("xl domname " + d.id()).strip());
        assertEquals("0", gogo.run("xl domid Domain-0").strip());
        assertEquals("Domain-0", gogo.run("xl domname 0").strip());

        String vcpus = gogo.run("xl vcpu-list xt-misc");
        assertTrue(vcpus.startsWith("Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)\n"),
                vcpus);
        assertTrue(row(vcpus, "xt-misc").matches(
                String.format("xt-misc {25} %5d     0 +(-|\\d+) +[-r][-b]- +\\d+\\.\\d  all / all", d.id())), vcpus);
        // xl vcpu-pin: hard affinity through the scheduler SPI; the paused domain then runs on pCPU 1 only
        assertEquals("", gogo.run("xl vcpu-pin xt-misc 0 all,^0"));
        assertEquals(0, gogo.get("xl.status"));
        assertEquals(java.util.List.of(1), hv.vcpuAffinity(d.id(), 0));
        String pinned = gogo.run("xl vcpu-list xt-misc");
        assertTrue(row(pinned, "xt-misc").endsWith("  1 / all"), pinned);
        gogo.run("xl vcpu-pin xt-misc 1 0");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("vcpu 1 of domain " + d.id() + " does not exist"), gogo.err());
        gogo.run("xl vcpu-pin xt-misc all 2");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("cpu 2 in '2' does not exist"), gogo.err());
        gogo.run("xl vcpu-pin xt-misc 0 1 0");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("no soft affinity"), gogo.err());
        assertEquals(java.util.List.of(1), hv.vcpuAffinity(d.id(), 0), "refused pins change nothing");

        String up = gogo.run("xl uptime xt-misc");
        assertTrue(up.startsWith(String.format("%-33s %4s %s%n", "Name", "ID", "Uptime")), up);
        assertTrue(row(up, "xt-misc").matches(String.format("xt-misc {26} %4d  0:00:\\d\\d", d.id())), up);
        assertTrue(gogo.run("xl uptime -s").contains(" up "), "short uptime");

        String top = gogo.run("xl top -b -i 1 -d 0.2");
        assertTrue(top.startsWith(String.format("%10s %6s %10s %6s", "NAME", "STATE", "CPU(sec)", "CPU(%)")), top);
        // MAXMEM is the hypervisor's maximum: xl gives a domain its memory + 1 MiB (libxl__build_pre)
        assertTrue(top.lines().anyMatch(l -> l.matches(" *xt-misc ----p-  +\\d+ +\\d+\\.\\d +16384 +\\d+\\.\\d +17408 .*")),
                top);

        assertEquals("", gogo.run("xl unpause xt-misc"));
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS));
        assertEquals(1, d.vcpus().get(0).lastPcpu(), "pinned to pCPU 1");
        assertEquals("", gogo.run("xl pause xt-misc"));
        assertEquals(0, gogo.get("xl.status"));

        // dmesg is the hypervisor's log (the guest's own output is on its console ring)
        String dmesg = gogo.run("xl dmesg");
        assertTrue(dmesg.contains("d" + d.id() + ": created 'xt-misc'"), dmesg);
        gogo.run("xl dmesg -c");
        assertFalse(gogo.run("xl dmesg").contains("d" + d.id() + ": created 'xt-misc'"), "cleared");
    }

    @Test
    void consoleDetachesOnCtrlBracketAndTimesOut() throws Exception {
        // a paused domain never ends: only Ctrl-] or -w ends the console
        gogo.run("xl create -p " + hello("xt-con", ""));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[] {0x1d, '\n'}),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        long t0 = System.nanoTime();
        s.execute("xl console xt-con");
        s.close();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "detached at once");
        t0 = System.nanoTime();
        gogo.run("xl console -w 0.3 xt-con");
        assertEquals(0, gogo.get("xl.status"));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "timed out");
    }

    private void assertRefused(String command, String expectedErr) throws Exception {
        int domains = hv.list().size();
        long free = hv.freeFrames();
        assertEquals("", gogo.run(command));
        assertEquals(expectedErr, gogo.err().lines().filter(l -> !l.startsWith("Parsing config from"))
                .reduce("", (a, b) -> a + b));
        assertEquals(1, gogo.get("xl.status"));
        assertEquals(domains, hv.list().size(), "domain count");
        assertEquals(free, hv.freeFrames(), "free frames");
    }

    @Test
    void errorsAreOneClearLineAndChangeNothing() throws Exception {
        Path bad = cfg("bad.cfg", "name = \"xt-bad\"\nkernel = \"guest:hello\"\nmemory = 16 16\n");
        assertRefused("xl create " + bad, bad + ":3:13: expected end of line after the value of 'memory', found '1'");
        Path disk = cfg("disk.cfg", "name = \"xt-d\"\nkernel = \"guest:hello\"\ndisk = [ 'file:/x.img,xvda,w' ]\n");
        assertRefused("xl create " + disk, disk + ":3:8: disk xvda: target /x.img: No such file or directory");
        Path host = cfg("host.cfg", "name = \"Domain-0\"\nkernel = \"guest:hello\"\n");
        assertRefused("xl create " + host, host + ":1:8: 'name' \"Domain-0\": Domain-0 is reserved for domain 0 (oxen's host)");
        Path noKernel = cfg("nok.cfg", "name = \"xt-k\"\nkernel = \"missing.elf\"\n");
        assertRefused("xl create " + noKernel, noKernel + ":2:10: kernel \"missing.elf\" not found ("
                + dir.resolve("missing.elf") + ": No such file or directory)");
        Path huge = cfg("huge.cfg", "name = \"xt-huge\"\nkernel = \"guest:hello\"\nmemory = 1024\n");
        String hugeErr = "Cannot create domain 'xt-huge': it needs 1024 MiB and the memory pool has "
                + hv.freeFrames() / 256 + " MiB free (of " + hv.totalFrames() / 256 + " MiB)";
        assertRefused("xl create " + huge, hugeErr);
        assertRefused("xl create " + dir.resolve("nofile.cfg"),
                "Failed to read config file: " + dir.resolve("nofile.cfg") + ": No such file or directory");

        Path dup = hello("xt-dup", "");
        gogo.run("xl create -p " + dup);
        int id = hv.find("xt-dup").orElseThrow().id();
        assertRefused("xl create " + dup, "Domain 'xt-dup' already exists (id " + id + ")");
        Path sameUuid = cfg("uuid.cfg", "name = \"xt-uuid\"\nkernel = \"guest:hello\"\nmemory = 8\n"
                + "uuid = \"3f5a2b1c-0d4e-4f60-8a7b-9c0d1e2f3a4b\"\n");
        gogo.run("xl create -p " + sameUuid);
        int uid = hv.find("xt-uuid").orElseThrow().id();
        assertRefused("xl create " + sameUuid + " name=xt-uuid2", "Domain 'xt-uuid' (id " + uid
                + ") already has uuid 3f5a2b1c-0d4e-4f60-8a7b-9c0d1e2f3a4b: uuids are unique");

        assertRefused("xl destroy nosuch", "nosuch is an invalid domain identifier (rc=-6)");
        assertRefused("xl pause 9999", "Error: Domain '9999' does not exist.");
        assertRefused("xl console nosuch", "nosuch is an invalid domain identifier (rc=-6)");
        assertRefused("xl list nosuch", "nosuch is an invalid domain identifier (rc=-6)");
        assertRefused("xl domid nosuch", "Can't get domid of domain name 'nosuch', maybe this domain does not exist.");
        assertRefused("xl domname 9999", "Can't get domain name of domain id '9999', maybe this domain does not exist.");
        assertRefused("xl destroy 0", "Domain-0 is oxen's host (the Java runtime): it cannot be destroyed; "
                + "'stop 0' stops oxen");
    }

    /** Issue 12: '~' names were refused, and keys oxen does not use refused instead of ignored as xl does. */
    @Test
    void tildeNameAndUnusedKeysAreAcceptedWithAWarning() throws Exception {
        Path cfg = cfg("tilde.cfg", "name = \"xt~web\"\nkernel = \"guest:hello\"\nmemory = 8\n"
                + "vfb = [ 'vnc=1' ]\n");
        assertEquals("", gogo.run("xl create -p " + cfg));
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertEquals("WARNING: " + cfg + ":4:1: ignoring 'vfb': oxen does not use it (yet)", gogo.err().lines()
                .filter(l -> l.startsWith("WARNING")).findFirst().orElse(gogo.err()));
        assertTrue(hv.find("xt~web").isPresent());
        assertTrue(gogo.run("xl list xt~web").lines().anyMatch(l -> l.startsWith("xt~web ")));
        gogo.run("xl destroy xt~web");
        assertTrue(hv.find("xt~web").isEmpty());
    }

    /** xl.cfg {@code cpus=} pins every vcpu before the domain first runs; a bad list creates nothing. */
    @Test
    void cpusPinsAtCreateAndABadListIsRefused() throws Exception {
        gogo.run("xl create -p " + hello("xt-cpus", "cpus = \"all,^0\"\n"));
        Domain d = hv.find("xt-cpus").orElseThrow();
        assertEquals(java.util.List.of(1), hv.vcpuAffinity(d.id(), 0));
        assertTrue(row(gogo.run("xl vcpu-list xt-cpus"), "xt-cpus").endsWith("  1 / all"));
        gogo.run("xl unpause xt-cpus");
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS));
        assertEquals(1, d.vcpus().get(0).lastPcpu(), "ran on pCPU 1 only");
        gogo.run("xl destroy xt-cpus");

        gogo.run("xl create " + hello("xt-cpus-bad", "cpus = \"0-7\"\n"));
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("cpus=\"0-7\": cpu 7 in '0-7' does not exist"), gogo.err());
        assertTrue(hv.find("xt-cpus-bad").isEmpty(), "nothing left of the refused domain");
    }

    @Test
    void helpListsEverySubcommand() throws Exception {
        String help = gogo.run("xl help");
        for (String c : new String[] {"console", "create", "destroy", "dmesg", "domid", "domname", "info", "list",
                "pause", "top", "unpause", "uptime", "vcpu-list", "vcpu-pin"}) {
            assertTrue(help.contains(String.format(" %-20s", c)), c + " in\n" + help);
            assertTrue(gogo.run("xl help " + c).startsWith("Usage: xl [-v] " + c), c);
        }
    }

    private Path tiny(String name, int reason, String actions) throws Exception {
        Path kernel = dir.resolve(name + ".elf");
        Files.write(kernel, TinyPvKernel.image("tiny " + name + " up", reason));
        return cfg(name + ".cfg", "name = \"" + name + "\"\nkernel = \"" + kernel.getFileName() + "\"\nmemory = 8\n"
                + actions);
    }

    @Test
    void onRebootRestartBringsTheDomainBackWithANewId() throws Exception {
        // created paused: the kernel reboots at once, and between a restart's destroy and its
        // create no domain has the name, so its first id is read before it runs
        gogo.run("xl create -p " + tiny("xt-rb", TinyPvKernel.REBOOT, "on_reboot = \"restart\"\n"));
        int first = hv.find("xt-rb").orElseThrow().id();
        gogo.run("xl unpause xt-rb");
        AtomicReference<Domain> next = new AtomicReference<>();
        awaitTrue(() -> hv.find("xt-rb").filter(d -> d.id() != first).map(d -> { next.set(d); return true; })
                .orElse(false), "xt-rb restarted");
        Domain again = next.get();
        awaitTrue(() -> again.consoleOutput().contains("tiny xt-rb up") || hv.find(again.id()).isEmpty(), "output");
        gogo.run("xl destroy xt-rb");
        Thread.sleep(300);
        assertTrue(hv.find("xt-rb").isEmpty(), "no restart after xl destroy");
    }

    @Test
    void onCrashPreserveDestroyAndRestart() throws Exception {
        gogo.run("xl create " + tiny("xt-cp", TinyPvKernel.CRASH, "on_crash = \"preserve\"\n"));
        Domain kept = hv.find("xt-cp").orElseThrow();
        assertTrue(kept.awaitShutdown(60, TimeUnit.SECONDS));
        Thread.sleep(200);
        assertTrue(row(gogo.run("xl list"), "xt-cp").contains("---sc-"), gogo.run("xl list"));

        gogo.run("xl create " + tiny("xt-cd", TinyPvKernel.CRASH, "on_crash = \"destroy\"\n"));
        awaitTrue(() -> hv.find("xt-cd").isEmpty(), "xt-cd destroyed on crash");

        gogo.run("xl create -p " + tiny("xt-cr", TinyPvKernel.CRASH, "on_crash = \"restart\"\n"));
        int first = hv.find("xt-cr").orElseThrow().id(); // read paused, as xt-rb's above
        gogo.run("xl unpause xt-cr");
        awaitTrue(() -> hv.find("xt-cr").map(d -> d.id() != first).orElse(false), "xt-cr restarted");

        gogo.run("xl create " + tiny("xt-po", TinyPvKernel.POWEROFF, ""));
        awaitTrue(() -> hv.find("xt-po").isEmpty(), "on_poweroff defaults to destroy");
    }

    @Test
    void mainJobCreatesDomainsDroppedIntoTheConfigDirectory() throws Exception {
        Path watched = Path.of(context.getProperty("oxen.domains.dir"));
        assertTrue(Files.isDirectory(watched), watched.toString());
        Path tmp = dir.resolve("xt-drop.cfg.tmp");
        Files.writeString(tmp, "name = \"xt-drop\"\nkernel = \"guest:hello\"\nmemory = 16\non_poweroff = \"preserve\"\n");
        Files.move(tmp, watched.resolve("xt-drop.cfg"));
        try {
            awaitTrue(() -> hv.find("xt-drop").isPresent(), "xt-drop created from the dropped file");
            assertTrue(gogo.run("xl console xt-drop").contains("RESULT: PASS"));
        } finally {
            Files.delete(watched.resolve("xt-drop.cfg"));
        }
    }

    @Test
    void mainJobReportsABadFileWithItsPositionAndCreatesNothing() throws Exception {
        Path watched = Path.of(context.getProperty("oxen.domains.dir"));
        int domains = hv.list().size();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Path bad = watched.resolve("xt-bad.cfg");
        try {
            Path tmp = dir.resolve("xt-bad.tmp");
            Files.writeString(tmp, "name = \"xt-bad\"\nkernel = \"guest:hello\"\nmemory = [16\n");
            Files.move(tmp, bad);
            awaitTrue(() -> captured.toString(StandardCharsets.UTF_8).contains("xt-bad.cfg"), "the job's report");
        } finally {
            System.setErr(original);
            Files.deleteIfExists(bad);
        }
        String report = captured.toString(StandardCharsets.UTF_8).strip();
        assertTrue(report.startsWith("oxen: ") && report.contains("xt-bad.cfg: not started: ")
                && report.endsWith("xt-bad.cfg:3:10: list opened here is not closed with ']'"), report);
        assertEquals(domains, hv.list().size());
    }
}
