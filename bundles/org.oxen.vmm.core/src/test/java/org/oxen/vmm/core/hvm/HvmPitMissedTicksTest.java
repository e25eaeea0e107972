package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;

/**
 * The PIT's missed periods in an HVM domain (Xen's delay_for_missed_ticks for its vpt i8254,
 * the pit's {@code missed-ticks=catch-up} that {@code HvmPlatform} sets): the kit's hvmpit keeps
 * its interrupts off for 30 of the PIT's 10 ms periods and counts the interrupts it takes
 * against its TSC's periods. Every period that ended meanwhile is owed and raised one per
 * acknowledgement of IRQ 0, through the 8259A (its INTA) and through the I/O APIC's pin 2 (the
 * local APIC's INTA of the pin's vector), so it loses none of them; merged into the controller's
 * one IRR bit (QEMU's i8254, the plain board's {@code drop}) it would lose 29. No tick is gained
 * either: the guest fails itself on more interrupts than its TSC's periods.
 */
class HvmPitMissedTicksTest {

    private static final int HOLD = 30;
    /**
     * Periods the guest may lose from its first line to its last beyond those held off: none
     * with the catch-up (a tick of a period whose end came while the vcpu's code was being
     * translated is owed too); slack for the TSC's rounding at each line.
     */
    private static final int MAX_LOST = 2;
    private static final Pattern LINE = Pattern.compile("hvmpit: (before|after) ticks=(\\d+) periods=(\\d+) lost=(-?\\d+)");

    @Test
    void periodsHeldOffThroughThe8259AreEachDeliveredAfter() throws Exception {
        heldOffPeriodsAreDelivered("pic", "");
    }

    @Test
    void periodsHeldOffThroughTheIoApicAreEachDeliveredAfter() throws Exception {
        heldOffPeriodsAreDelivered("ioapic", " ioapic=1");
    }

    private static void heldOffPeriodsAreDelivered(String name, String cmdline) throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            Domain d = vmm.create(DomainConfig.builder("hvmpit-" + name).type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hvmpit")).memoryMiB(8)
                    .cmdline("hold=" + HOLD + cmdline).build());
            assertTrue(d.awaitShutdown(180, TimeUnit.SECONDS), "no end:\n" + d.consoleOutput());
            String out = d.consoleOutput();
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), out);
            assertTrue(out.contains("RESULT: PASS"), out); // never more interrupts than periods
            assertTrue(out.contains("interrupts held off for " + HOLD + " periods"), out);
            Matcher m = LINE.matcher(out);
            assertTrue(m.find() && m.group(1).equals("before"), out);
            long before = Long.parseLong(m.group(4));
            assertTrue(m.find() && m.group(1).equals("after"), out);
            long after = Long.parseLong(m.group(4));
            assertTrue(after - before <= MAX_LOST, "lost " + (after - before) + " of the " + HOLD
                    + " periods the guest held its interrupts off for:\n" + out);
            vmm.destroy(d.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }
}
