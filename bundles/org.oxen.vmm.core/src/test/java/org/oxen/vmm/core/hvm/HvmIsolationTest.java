package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.x86.api.Ram;
import org.oxen.x86.machine.internal.Guests;

/**
 * An HVM guest that reads all 4 GiB of its physical address space looking for a marker planted
 * in other domains' frames (an HVM and a PV domain), writes to every page above its RAM and to
 * every I/O port, cannot see or change another domain: it finds only the marker planted in its
 * own RAM (which shows the scan works), no write above its RAM sticks, the other domains' frames
 * keep their markers and the running HVM victim keeps running and passing its checks.
 */
class HvmIsolationTest {

    private static final byte[] MARKER = "OXEN-HVM-SECRET!".getBytes(StandardCharsets.US_ASCII);

    private static void plant(Vmm vmm, Domain d, int pfn) {
        int mfn = ((DomainImpl) d).memory().p2m(pfn);
        assertTrue(mfn > 0, "pfn " + pfn + " of " + d.name() + " has a frame");
        vmm.pool().ram().load((long) mfn << 12, MARKER, 0, MARKER.length);
    }

    private static byte[] at(Vmm vmm, Domain d, int pfn) {
        Ram ram = vmm.pool().ram();
        long a = (long) ((DomainImpl) d).memory().p2m(pfn) << 12;
        byte[] b = new byte[MARKER.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) ram.read8(a + i);
        return b;
    }

    @Test
    void aScanningHvmGuestSeesAndChangesOnlyItself(@TempDir Path dir) throws Exception {
        byte[] scanner = Files.readAllBytes(Guests.kernel("physscan", dir));
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(256L << 20, 2, new CreditFactory()));
        try {
            Domain victim = vmm.create(DomainConfig.builder("victim").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "cpubench")).memoryMiB(16)
                    .cmdline("loop=20000 mix=1 repeat=0").startPaused(true).build());
            Domain pv = vmm.create(DomainConfig.builder("pv-victim").kernel(GuestImages.load(GuestImages.Flavor.PV, "hello"))
                    .memoryMiB(16).startPaused(true).build());
            Domain attacker = vmm.create(DomainConfig.builder("attacker").type(DomainType.HVM).kernel(scanner)
                    .memoryMiB(16).startPaused(true).build());
            List<Integer> victimPfns = List.of(0x900, 0xA00, 0xC00, 0xFFF); // above cpubench's image and stack
            for (int pfn : victimPfns) plant(vmm, victim, pfn);
            for (int pfn : List.of(0xE00, 0xFFF)) plant(vmm, pv, pfn);
            plant(vmm, attacker, 0x800); // its own: the scan must find this one, at 0x00800000

            vmm.unpause(victim.id());
            HvmDomainTest.waitFor(() -> victim.consoleOutput().contains("cpubench: round="), vmm, victim);
            vmm.unpause(attacker.id());
            assertTrue(attacker.awaitShutdown(120, TimeUnit.SECONDS), attacker.consoleOutput() + vmm.dmesg());
            String log = String.join("\n", vmm.dmesg());
            List<String> found = log.lines().filter(l -> l.contains("(d" + attacker.id() + ") found ")).toList();
            assertEquals(1, found.size(), log);
            assertTrue(found.get(0).endsWith("found 00800000"), found.get(0));
            // above its RAM: only its own two APIC pages and its own xenstore and console pages
            // (libxc's special pages at 0xfeffc000 and 0xfefff000, frames of its own) answer; only
            // writes to those two stick
            assertTrue(log.contains("(d" + attacker.id() + ") above-ram pages=00000004 stuck=00000002"), log);
            assertTrue(log.contains("d" + attacker.id() + ": isa-debug-exit: status 33"), log);

            for (int pfn : victimPfns) assertArrayEquals(MARKER, at(vmm, victim, pfn), "victim pfn " + pfn);
            for (int pfn : List.of(0xE00, 0xFFF)) assertArrayEquals(MARKER, at(vmm, pv, pfn), "pv pfn " + pfn);
            long rounds = lastRound(victim);
            HvmDomainTest.waitFor(() -> lastRound(victim) > rounds, vmm, victim);
            assertFalse(victim.consoleOutput().contains("RESULT: FAIL"), victim.consoleOutput());
            assertFalse(victim.awaitShutdown(0, TimeUnit.SECONDS));
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The kit's {@code hvmhostile} aims every hypercall an HVM domain may issue at an HVM and a PV
     * victim (their params, physmaps, reservations, event channels, grant tables, a remote
     * shutdown), passes arguments in device windows and past its RAM, and numbers without a
     * handler: each is refused, the victims' planted frames, HVM parameters and event channels
     * are unchanged, both keep running, and the hypervisor records no internal error.
     */
    @Test
    void hostileHypercallsFromAnHvmGuestReachNoOtherDomain() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(256L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Victims victims = Victims.start(vmm);
            Domain victim = victims.hvm(), pv = victims.pv();

            Domain attacker = vmm.create(DomainConfig.builder("attacker").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hvmhostile")).memoryMiB(16)
                    .cmdline("victim0=" + victim.id() + " victim1=" + pv.id() + " ram_mib=16").build());
            assertTrue(attacker.awaitShutdown(120, TimeUnit.SECONDS), attacker.consoleOutput() + vmm.dmesg());
            String out = attacker.consoleOutput();
            assertTrue(out.contains("hvmhostile: d" + victim.id() + ": every call refused"), out);
            assertTrue(out.contains("hvmhostile: d" + pv.id() + ": every call refused"), out);
            assertTrue(out.matches("(?s).*hvmhostile: \\d{3,} hostile calls refused.*"), out);
            assertTrue(out.contains("RESULT: PASS"), out);

            victims.assertUntouchedAndRunning(vmm);
            for (Domain d : List.of(attacker, victim, pv)) vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames(), "every frame back");
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The kit's HVM fuzzer ({@code hvmfuzz}, issue 22): seeded random port I/O, MMIO above its RAM
     * and VMCALL hypercalls of any number with hostile arguments, beside an HVM and a PV victim.
     * However the fuzzer ends (it may hurt itself: its own devices are its to break), the victims'
     * planted frames and the HVM victim's parameters are unchanged, both run on, the hypervisor
     * records no internal error and logs no BUG, and every frame comes back at destroy. One seed
     * gives one sequence hash.
     */
    @Test
    void seededRandomIoMmioAndHypercallsFromAnHvmGuestReachNoOtherDomain() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(256L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Victims victims = Victims.start(vmm);
            Domain victim = victims.hvm(), pv = victims.pv();

            int seed = Integer.getInteger("oxen.hvmfuzz.seed", 22), ops = Integer.getInteger("oxen.hvmfuzz.ops", 2000);
            String sequence = null;
            for (int run = 0; run < 2; run++) {
                Domain attacker = vmm.create(DomainConfig.builder("hvmfuzz" + run).type(DomainType.HVM)
                        .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hvmfuzz")).memoryMiB(16)
                        .cmdline("seed=" + seed + " ops=" + ops + " ram_mib=16 " + System.getProperty("oxen.hvmfuzz.extra", "")).build());
                assertTrue(attacker.awaitShutdown(300, TimeUnit.SECONDS), attacker.consoleOutput() + vmm.dmesg());
                String out = attacker.consoleOutput();
                System.out.println(out + "hvmfuzz ended: " + attacker.shutdownReason().orElse(null) + " "
                        + attacker.crashMessage().orElse(""));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("hvmfuzz: done " + ops
                        + " ops, sequence ([0-9a-f]{16})").matcher(out);
                assertTrue(m.find() && out.contains("RESULT: PASS"), "the fuzzer ran its course:\n" + out);
                if (sequence != null) assertEquals(sequence, m.group(1), "two runs of seed " + seed);
                sequence = m.group(1);
                vmm.destroy(attacker.id());
            }

            victims.assertUntouchedAndRunning(vmm);
            for (String line : vmm.dmesg()) assertFalse(line.contains("BUG"), line);
            for (Domain d : List.of(victim, pv)) vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames(), "every frame back");
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * hvmfuzz seed 31 (session 9's mixed campaign, 400 ops): a multicall from address 2 with a
     * count of 0xfffffff4 read its entries from its own RAM, page after page, and wrote their
     * results over its code and IDT, and the domain triple-faulted at its #BP entry: what Xen
     * lets a domain do to itself, so the fuzzer's to avoid. Its arrays in its own RAM now end
     * within their page (and a multicall's entries there are made as its calls are): the seed
     * runs its course with the same sequence of draws.
     */
    @Test
    void hvmfuzzSeed31KeepsItsArraysOutOfItsOwnCode() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(64L << 20, 1, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Domain f = vmm.create(DomainConfig.builder("hvmfuzz31").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hvmfuzz")).memoryMiB(16)
                    .cmdline("seed=31 ops=400 ram_mib=16").build());
            assertTrue(f.awaitShutdown(120, TimeUnit.SECONDS), f.consoleOutput() + vmm.dmesg());
            String out = f.consoleOutput();
            assertTrue(out.contains("hvmfuzz: done 400 ops") && out.contains("RESULT: PASS"),
                    f.shutdownReason().orElse(null) + " " + ((DomainImpl) f).crashMessage().orElse("") + "\n" + out);
            assertEquals(0, vmm.internalErrors(), "internal errors");
            vmm.destroy(f.id());
            assertEquals(free, vmm.freeFrames(), "every frame back");
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The two victims of the HVM attack tests: an HVM cpubench and the isolation oracle's PV
     * {@code victim} (it re-checks its pattern pages until destroyed, with a page granted to
     * Domain-0 and a port for Domain-0), each with marker frames planted and running; the HVM
     * victim's parameters as they were before any attack.
     */
    /**
     * The number of cpubench's last round on the console (0 before the first). Not a count of
     * lines: the console keeps the last 64 KiB, so once a long run has filled it the number of
     * round lines stays the same while the rounds go on.
     */
    static long lastRound(Domain d) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cpubench: round=(\\d+)").matcher(d.consoleOutput());
        long last = 0;
        while (m.find()) last = Long.parseLong(m.group(1));
        return last;
    }

    private record Victims(Domain hvm, Domain pv, long[] params) {
        static final List<Integer> HVM_PFNS = List.of(0x900, 0xC00, 0xFFF); // above cpubench's image and stack
        static final List<Integer> PV_PFNS = List.of(0xE00, 0xFFF);

        static Victims start(Vmm vmm) throws Exception {
            Domain hvm = vmm.create(DomainConfig.builder("victim").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "cpubench")).memoryMiB(16)
                    .cmdline("loop=20000 mix=1 repeat=0").startPaused(true).build());
            Domain pv = vmm.create(DomainConfig.builder("pv-victim").kernel(GuestImages.load(GuestImages.Flavor.PV, "victim"))
                    .memoryMiB(16).cmdline("pages=64").startPaused(true).build());
            for (int pfn : HVM_PFNS) plant(vmm, hvm, pfn);
            for (int pfn : PV_PFNS) plant(vmm, pv, pfn);
            Victims v = new Victims(hvm, pv, new long[org.oxen.vmm.abi.Hvm.HVM_NR_PARAMS]);
            for (int i = 0; i < v.params.length; i++) v.params[i] = v.param(i);
            vmm.unpause(hvm.id());
            vmm.unpause(pv.id());
            HvmDomainTest.waitFor(() -> hvm.consoleOutput().contains("cpubench: round="), vmm, hvm);
            HvmDomainTest.waitFor(() -> pv.consoleOutput().contains("victim: ready pages=64"), vmm, pv);
            return v;
        }

        long param(int i) {
            return ((org.oxen.vmm.core.arch.hvm.HvmVcpuArch) ((DomainImpl) hvm).vcpu(0).arch()).platform().params().get(i);
        }

        /**
         * The planted frames and the HVM victim's parameters unchanged, the HVM victim finishing
         * another round, neither victim failed or ended, and no internal error in the hypervisor.
         */
        void assertUntouchedAndRunning(Vmm vmm) throws Exception {
            for (int pfn : HVM_PFNS) assertArrayEquals(MARKER, at(vmm, hvm, pfn), "victim pfn " + pfn);
            for (int pfn : PV_PFNS) assertArrayEquals(MARKER, at(vmm, pv, pfn), "pv pfn " + pfn);
            for (int i = 0; i < params.length; i++) assertEquals(params[i], param(i), "the victim's HVM param " + i);
            long rounds = lastRound(hvm);
            HvmDomainTest.waitFor(() -> lastRound(hvm) > rounds, vmm, hvm);
            assertFalse(hvm.consoleOutput().contains("RESULT: FAIL"), hvm.consoleOutput());
            assertFalse(pv.consoleOutput().contains("FAIL"), pv.consoleOutput());
            assertFalse(hvm.awaitShutdown(0, TimeUnit.SECONDS), "the HVM victim runs on");
            assertFalse(pv.awaitShutdown(0, TimeUnit.SECONDS), "the PV victim runs on");
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        }
    }
}
