package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;

/**
 * HVM domains in the real runtime: the guest kit's native programs (the same multiboot images
 * `machine boot` runs on the bare PC) created with {@code type = "hvm"} through xl, their
 * emulated COM1 read with {@code xl console}, listed beside PV domains and managed by every
 * xl command that manages PV domains.
 */
class XlHvmDomainTest extends XlSessionTest {

    private long freeAtStart;

    @Override
    String domainPrefix() {
        return "hvm-";
    }

    /** Its HVM domains and the PV domain beside them. */
    @Override
    boolean ownsDomain(String name) {
        return name.startsWith("hvm-") || name.startsWith("pv-");
    }

    @BeforeEach
    void countFrames() {
        freeAtStart = hv.freeFrames();
    }

    @Override
    void afterDomainsDestroyed() throws Exception {
        awaitTrue(() -> hv.freeFrames() == freeAtStart, "frames back to " + freeAtStart);
    }

    private Path cfg(String name, String text) throws Exception {
        Path p = dir.resolve(name + ".cfg");
        Files.writeString(p, "name = \"" + name + "\"\n" + text);
        return p;
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
    void nativeKitProgramsRunUnmodifiedAsHvmDomainsBesideAPvDomain() throws Exception {
        List<String> names = new ArrayList<>();
        // timer (PIT against RTC at 1 kHz) last, alone: see HvmDomainTest
        for (String p : new String[] {"hello", "traps", "paging", "cpubench", "timer"}) {
            if (p.equals("timer")) {
                for (String n : names) {
                    awaitTrue(() -> hv.find(n).orElseThrow().state() == DomainState.SHUTDOWN, n + " ends");
                }
            }
            String extra = p.equals("cpubench") ? "extra = \"loop=20000 mix=3\"\n" : "extra = \"greeting=hvm\"\n";
            Path c = cfg("hvm-" + p, "type = \"hvm\"\nkernel = \"guest-native:" + p + "\"\nmemory = 16\n"
                    + "on_poweroff = \"preserve\"\n" + extra);
            assertEquals("", gogo.run("xl create " + c));
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            names.add("hvm-" + p);
        }
        gogo.run("xl create " + cfg("pv-hello", "kernel = \"guest:hello\"\nmemory = 16\non_poweroff = \"preserve\"\n"));
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        for (String n : names) {
            String console = gogo.run("xl console " + n); // returns when the domain ends (no terminal)
            assertTrue(console.strip().endsWith("RESULT: PASS"), n + ":\n" + console);
            Domain d = hv.find(n).orElseThrow();
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        }
        assertTrue(gogo.run("xl console hvm-hello").contains("flavor=native"), "the native image, unmodified");
        assertTrue(gogo.run("xl console pv-hello").contains("RESULT: PASS"));
        String list = gogo.run("xl list");
        for (String n : names) {
            assertTrue(row(list, n).matches(n + " +\\d+ +16 +1 +---s-- +\\d+\\.\\d"), list);
        }
        assertTrue(row(list, "pv-hello").matches("pv-hello +\\d+ +16 +1 +---s-- +\\d+\\.\\d"), list);
        String json = gogo.run("xl list -l hvm-hello");
        assertTrue(json.contains("\"type\": \"hvm\""), json);
        assertTrue(gogo.run("xl dmesg").contains(") RESULT: PASS"), "port 0xE9 in the hypervisor log");
        for (String n : names) {
            assertEquals("", gogo.run("xl destroy " + n));
        }
    }

    /**
     * ACPI as an OS uses it ends an HVM domain as its config says: the kit's acpipower writes
     * SLP_EN with the DSDT's S5 SLP_TYP into the FADT's PM1a_CNT (on_poweroff = "preserve": it
     * stays, shut down, reason poweroff) or the FADT's reset value into 0xCF9 (on_reboot =
     * "destroy": it is gone).
     */
    @Test
    void acpiPowerOffAndResetEndAnHvmDomainAsOnPoweroffAndOnRebootSay() throws Exception {
        Path off = cfg("hvm-acpioff", "type = \"hvm\"\nkernel = \"guest-native:acpipower\"\nmemory = 16\n"
                + "extra = \"action=poweroff\"\non_poweroff = \"preserve\"\non_reboot = \"destroy\"\n");
        assertEquals("", gogo.run("xl create " + off));
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find("hvm-acpioff").orElseThrow();
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput());
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        assertTrue(d.consoleOutput().contains("acpipower: entering S5"), d.consoleOutput());
        awaitTrue(() -> hv.find("hvm-acpioff").map(x -> x.state() == DomainState.SHUTDOWN).orElse(false),
                "preserved after its power-off");

        Path reset = cfg("hvm-acpireset", "type = \"hvm\"\nkernel = \"guest-native:acpipower\"\nmemory = 16\n"
                + "extra = \"action=reset\"\non_poweroff = \"preserve\"\non_reboot = \"destroy\"\n");
        assertEquals("", gogo.run("xl create " + reset));
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain r = hv.find("hvm-acpireset").orElseThrow();
        assertTrue(r.awaitShutdown(120, TimeUnit.SECONDS), r.consoleOutput());
        assertEquals(ShutdownReason.REBOOT, r.shutdownReason().orElseThrow());
        awaitTrue(() -> hv.find("hvm-acpireset").isEmpty(), "destroyed on its reboot");
        String dmesg = gogo.run("xl dmesg");
        assertTrue(dmesg.contains("d" + d.id() + ": HVM ACPI power off requested"), dmesg);
        assertTrue(dmesg.contains("d" + r.id() + ": HVM reset requested"), dmesg);
    }

    @Test
    void anHvmKernelUsesXensPlatformInterfaceAndXenstoreOverItsRing() throws Exception {
        Path c = cfg("hvm-xen", "type = \"hvm\"\nkernel = \"guest-native:xenhvm\"\nmemory = 16\n"
                + "on_poweroff = \"preserve\"\n");
        assertEquals("", gogo.run("xl create " + c));
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find("hvm-xen").orElseThrow();
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput() + "\n--- dmesg:\n" + String.join("\n", hv.dmesg()));
        String console = gogo.run("xl console hvm-xen"); // the domain has ended: its whole output
        assertTrue(console.strip().endsWith("RESULT: PASS"), console);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        assertTrue(console.contains("xenhvm: platform device at 00:03.0 class ff8000"), console);
        assertTrue(console.contains("arrived by the platform device's INTx"), console);
        assertTrue(console.contains("xenhvm: xenstore /local/domain/" + d.id()
                + "/data/xenhvm written and read back; name = hvm-xen"), console);
        // what it wrote is in the store (xenstored keeps a shut-down domain's nodes until it is destroyed)
        assertEquals("written over the ring", gogo.run("xenstore-read /local/domain/" + d.id() + "/data/xenhvm").strip(),
                gogo.err());
    }

    @Test
    void keysTypedAtXlConsoleReachAnHvmDomainsCom1() throws Exception {
        Path c = cfg("hvm-serial", "type = \"hvm\"\nkernel = \"guest-native:serial\"\nmemory = 16\n"
                + "on_poweroff = \"preserve\"\n");
        assertEquals("", gogo.run("xl create " + c));
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find("hvm-serial").orElseThrow();
        java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
        java.io.PipedInputStream keyboard = new java.io.PipedInputStream(keys, 4096);
        java.io.ByteArrayOutputStream screen = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(screen, true, java.nio.charset.StandardCharsets.UTF_8);
        org.apache.felix.service.command.CommandSession s = processor.createSession(keyboard, out,
                new java.io.PrintStream(new java.io.ByteArrayOutputStream()));
        java.util.concurrent.atomic.AtomicReference<Object> status = new java.util.concurrent.atomic.AtomicReference<>();
        Thread attached = new Thread(() -> {
            try {
                s.execute("xl console hvm-serial");
                status.set(s.get("xl.status"));
            } catch (Exception e) {
                status.set(e);
            }
        }, "xl console");
        attached.start();
        try {
            awaitTrue(() -> screen.toString(java.nio.charset.StandardCharsets.UTF_8).contains("serial> "), "the prompt");
            keys.write("echo typed at xl console\nsum 6 36\nquit\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            keys.flush();
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), screen.toString(java.nio.charset.StandardCharsets.UTF_8));
            attached.join(TimeUnit.SECONDS.toMillis(30));
            assertEquals(0, status.get(), "xl console ended with the domain");
        } finally {
            attached.interrupt();
            s.close();
        }
        String seen = screen.toString(java.nio.charset.StandardCharsets.UTF_8).replace("\r", "");
        assertTrue(seen.contains("serial> echo typed at xl console\ntyped at xl console\nserial> sum 6 36\n42\n"), seen);
        assertTrue(seen.contains("serial: bye\nRESULT: PASS"), seen);
    }

    @Test
    void aRunningHvmDomainUnderPauseSchedulerPoolsTopAndDestroy() throws Exception {
        Path c = cfg("hvm-spin", "type = \"hvm\"\nkernel = \"guest-native:cpubench\"\nmemory = 16\n"
                + "extra = \"loop=20000 mix=1 repeat=0\"\n");
        gogo.run("xl create -p " + c);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find("hvm-spin").orElseThrow();
        assertEquals(DomainState.PAUSED, d.state());
        // its RAM, the grant frame every domain gets at creation (Xen's grant_table_init), shared_info
        // and libxc's xenstore and console pages
        assertEquals(freeAtStart - 16 * 256 - 4, hv.freeFrames(),
                "16 MiB of frames, a grant frame, shared_info and two special pages from the pool");
        assertTrue(row(gogo.run("xl vcpu-list hvm-spin"), "hvm-spin").matches(
                String.format("hvm-spin {24} %5d     0 +(-|\\d+) +[-r][-b]- +\\d+\\.\\d  all / all", d.id())));
        gogo.run("xl unpause hvm-spin");
        awaitTrue(() -> d.consoleOutput().contains("cpubench: round="), "a checked round");

        gogo.run("xl pause hvm-spin");
        assertEquals(DomainState.PAUSED, d.state());
        long n = d.vcpus().get(0).instructions();
        Thread.sleep(200);
        assertEquals(n, d.vcpus().get(0).instructions(), "paused");
        gogo.run("xl unpause hvm-spin");
        awaitTrue(() -> d.vcpus().get(0).instructions() > n, "running again");

        assertEquals("", gogo.run("xl sched-credit -d hvm-spin -w 512"), gogo.err());
        assertTrue(row(gogo.run("xl sched-credit"), "hvm-spin").matches("hvm-spin +\\d+ +512 +0"));
        gogo.run("xl cpupool-create name=\"hvmpool\" sched=\"rr\"");
        gogo.run("xl cpupool-cpu-remove Pool-0 1");
        gogo.run("xl cpupool-cpu-add hvmpool 1");
        try {
            gogo.run("xl cpupool-migrate hvm-spin hvmpool");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            assertTrue(gogo.run("xl cpupool-list hvmpool").contains("hvmpool               1   rr        y        1"));
            long m = d.vcpus().get(0).instructions();
            awaitTrue(() -> d.vcpus().get(0).instructions() > m && d.vcpus().get(0).lastPcpu() == 1,
                    "running on the pool's pCPU 1");
            gogo.run("xl cpupool-migrate hvm-spin Pool-0");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
        } finally {
            gogo.run("xl cpupool-cpu-remove hvmpool 1");
            gogo.run("xl cpupool-cpu-add Pool-0 1");
            gogo.run("xl cpupool-destroy hvmpool");
        }
        String top = gogo.run("xl top -b -i 1 -d 0.2");
        assertTrue(top.lines().anyMatch(l -> l.matches(" *hvm-spin -----r? *.*|.*hvm-spin.*")), top);
        assertFalse(d.consoleOutput().contains("RESULT: FAIL"), d.consoleOutput());
        assertFalse(d.awaitShutdown(0, TimeUnit.SECONDS), d.consoleOutput());
        assertEquals("", gogo.run("xl destroy hvm-spin"));
        assertTrue(hv.find("hvm-spin").isEmpty());
        assertEquals(freeAtStart, hv.freeFrames(), "every frame back in the pool");
    }
}
