package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;

/**
 * ACPI power-off and reset of an HVM domain as an OS does them from the firmware's tables: the
 * kit's acpipower finds the FADT's PM1a_CNT and reset register and the DSDT's {@code \_S5}, then
 * writes SLP_TYP | SLP_EN (the domain powers off: the pci device's PM registers ask the platform)
 * or the reset value into 0xCF9 (the domain reboots); the shutdown reason is what the toolstack's
 * on_poweroff / on_reboot act on. Neither goes through isa-debug-exit.
 */
class HvmAcpiPowerTest {

    @ParameterizedTest(name = "action={0}")
    @CsvSource({"poweroff, POWEROFF, HVM ACPI power off requested", "reset, REBOOT, HVM reset requested"})
    void theGuestEndsItsDomainThroughTheFirmwaresTables(String action, ShutdownReason reason, String logged)
            throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(128L << 20, 1, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Domain d = vmm.create(HvmDomainTest.hvm("acpi-" + action, "acpipower", 16, "action=" + action).build());
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput() + String.join("\n", vmm.dmesg()));
            String out = d.consoleOutput();
            assertTrue(out.contains("acpipower: PM1a_CNT 0xb004, reset register io 0xcf9 value 0x6, \\_S5 SLP_TYPa 7"),
                    out);
            assertFalse(out.contains("RESULT"), out);
            assertEquals(reason, d.shutdownReason().orElseThrow(), out);
            String dmesg = String.join("\n", vmm.dmesg());
            assertTrue(dmesg.contains("d" + d.id() + ": " + logged), dmesg);
            assertFalse(dmesg.contains("isa-debug-exit"), dmesg);
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }
}
