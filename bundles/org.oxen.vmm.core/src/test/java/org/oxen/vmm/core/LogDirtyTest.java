package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuOptions;

/**
 * Log-dirty mode (issue 15): the kit's {@code logdirty} program writes known sets of pages by
 * several kinds of store (and one page through a hypercall) while Domain-0 switches the running
 * domain into log-dirty mode, peeks and cleans; the bitmap names exactly those pages, the
 * mailbox Domain-0 and the guest talk through, and the guest's stack, on the interpreter, the
 * decoded-instruction cache and the translator; and the same for an HVM domain (the kit's
 * native {@code logdirty}).
 */
class LogDirtyTest {

    static final int NPAGES = 48, HYPERVISOR_PAGE = 47;
    static final int READY = 1, GO = 2, DONE = 3, NEXT = 4;

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "cache", "translator"})
    void theBitmapNamesExactlyThePagesTheGuestWrote(String mode) throws Exception {
        CpuOptions options = switch (mode) {
            case "interpreter" -> CpuOptions.INTERPRETER;
            case "cache" -> CpuOptions.cacheOnly();
            default -> CpuOptions.DEFAULT.translateAtOnce();
        };
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            vmm.setCpuOptions(options);
            rounds(vmm, DomainConfig.builder("logdirty").kernel(GuestImages.load(GuestImages.Flavor.PV, "logdirty")),
                    mode);
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The same rounds in an HVM domain (the kit's native {@code logdirty}): its stores reach its
     * frames through the P2M's direct pages in the TLB (guest-physical to machine), and its
     * xen_version is an HVM hypercall through the hypercall page; the bitmap names exactly the
     * same pages by pfn.
     */
    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "translator"})
    void anHvmDomainsBitmapNamesExactlyThePagesItWrote(String mode) throws Exception {
        Vmm vmm = org.oxen.vmm.core.hvm.HvmTestSupport.vmm(64, 1);
        try {
            vmm.setCpuOptions(mode.equals("interpreter") ? CpuOptions.INTERPRETER : CpuOptions.DEFAULT.translateAtOnce());
            rounds(vmm, DomainConfig.builder("hvm-logdirty").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "logdirty")), mode);
        } finally {
            vmm.shutdown();
        }
    }

    private static void rounds(Vmm vmm, DomainConfig.Builder config, String mode) throws Exception {
        long free = vmm.freeFrames();
        DomainImpl d = (DomainImpl) vmm.create(config.memoryMiB(8).cmdline("rounds=2").build());
        int id = d.id();
        Matcher m = awaitLine(d, Pattern.compile("logdirty: pages pfn=0x([0-9a-f]+) n=48 mailbox pfn=0x([0-9a-f]+)"));
        int pagesPfn = Integer.parseInt(m.group(1), 16), mailboxPfn = Integer.parseInt(m.group(2), 16);
        Ram ram = vmm.pool().ram();
        long mailbox = (long) d.memory().p2m(mailboxPfn) << 12;
        int pages = d.memory().nrPages();
        assertThrows(IllegalStateException.class, () -> vmm.logDirtyPeek(id, pages), "not in log-dirty mode yet");

        for (int r = 1; r <= 2; r++) {
            awaitMailbox(ram, mailbox, r << 8 | READY, d);
            if (r == 1) {
                vmm.logDirtyEnable(id); // a running domain (spinning on its mailbox) switches into log-dirty
                assertTrue(vmm.logDirtyEnabled(id));
                assertThrows(IllegalStateException.class, () -> vmm.logDirtyEnable(id));
                assertEquals(new BitSet(), BitSet.valueOf(vmm.logDirtyPeek(id, pages)), "enabled with a clean bitmap");
            } else {
                vmm.logDirtyClean(id, pages); // what round 1's prints dirtied
                assertEquals(new BitSet(), BitSet.valueOf(vmm.logDirtyPeek(id, pages)), "clean left marks");
            }
            ram.write32(mailbox, r << 8 | GO);
            awaitMailbox(ram, mailbox, r << 8 | DONE, d);
            BitSet dirty = BitSet.valueOf(vmm.logDirtyPeek(id, pages));
            BitSet stack = new BitSet();
            stack.set(ram.read32(mailbox + 4));
            stack.set(ram.read32(mailbox + 8));
            // the guest's stack may or may not have been written (calls the compiler inlined): not counted
            dirty.andNot(stack);
            BitSet expected = new BitSet();
            for (int i = 0; i < NPAGES; i++) {
                if (i != HYPERVISOR_PAGE && i % (r + 2) == 0) expected.set(pagesPfn + i);
            }
            if (r == 1) expected.set(pagesPfn + HYPERVISOR_PAGE); // written by xen_version only
            expected.set(mailboxPfn);
            assertEquals(expected, dirty, mode + " round " + r + ": the bitmap (less the stack)");
            BitSet cleaned = BitSet.valueOf(vmm.logDirtyClean(id, pages));
            cleaned.andNot(stack);
            assertEquals(expected, cleaned, "clean returns what peek saw");
            assertEquals(new BitSet(), BitSet.valueOf(vmm.logDirtyPeek(id, pages)), "nothing written since the clean");
            ram.write32(mailbox, r << 8 | NEXT);
        }
        vmm.logDirtyDisable(id);
        assertFalse(vmm.logDirtyEnabled(id));
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), "no shutdown:\n" + d.consoleOutput());
        String out = d.consoleOutput();
        assertTrue(out.contains("RESULT: PASS"), out);
        assertTrue(out.contains("written by the hypervisor"), out);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        if (mode.equals("translator")) {
            assertTrue(d.vcpu(0).cpu().translationStatistics().compiled() > 0, "the translator compiled the guest's code");
        }
        vmm.destroy(id);
        assertEquals(free, vmm.freeFrames());
        assertEquals(0, vmm.internalErrors());
    }

    static Matcher awaitLine(DomainImpl d, Pattern p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(d.consoleOutput());
            if (m.find()) return m;
            Thread.sleep(5);
        }
        throw new AssertionError("no line /" + p + "/ in:\n" + d.consoleOutput());
    }

    static void awaitMailbox(Ram ram, long mailbox, int want, DomainImpl d) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ram.read32(mailbox) != want) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("mailbox " + Integer.toHexString(ram.read32(mailbox)) + ", waited for "
                        + Integer.toHexString(want) + ":\n" + d.consoleOutput());
            }
            Thread.sleep(1);
        }
    }
}
