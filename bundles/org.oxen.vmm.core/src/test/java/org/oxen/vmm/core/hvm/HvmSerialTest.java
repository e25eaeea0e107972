package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;

/**
 * An HVM domain's serial console both ways: keys given to {@link Domain#consoleInput} (what
 * {@code xl console} sends) reach the guest through COM1's receiver and its receive interrupt,
 * and the kit's serial program answers on COM1.
 */
class HvmSerialTest {

    private static void type(Domain d, String keys) throws InterruptedException {
        byte[] b = keys.getBytes(StandardCharsets.US_ASCII);
        int off = 0;
        while (off < b.length) {
            off += d.consoleInput(b, off, b.length - off);
            if (off < b.length) Thread.sleep(1);
        }
    }

    @Test
    void keysTypedReachTheGuestThroughCom1AndItAnswers() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(128L << 20, 2, new CreditFactory()));
        try {
            Domain d = vmm.create(HvmDomainTest.hvm("serial", "serial", 16, "").build());
            HvmDomainTest.waitFor(() -> d.consoleOutput().contains("serial> "), vmm, d);
            type(d, "echo hello over COM1\r");
            HvmDomainTest.waitFor(() -> d.consoleOutput().contains("hello over COM1\r\nserial> "), vmm, d);
            type(d, "sum 40 2\n");
            HvmDomainTest.waitFor(() -> d.consoleOutput().contains("\r\n42\r\n"), vmm, d);
            // a burst longer than the UART's 16-byte FIFO arrives whole
            String words = "the quick brown fox jumps over the lazy dog, twice: the quick brown fox";
            type(d, "echo " + words + "\rquit\r");
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
            String out = d.consoleOutput();
            assertTrue(out.contains("serial> echo " + words + "\r\n" + words + "\r\n"), out);
            assertTrue(out.strip().endsWith("serial: bye\r\nRESULT: PASS"), out);
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void aPvDomainTakesNoSerialKeys() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(64L << 20, 1, new CreditFactory()));
        try {
            Domain pv = vmm.create(DomainConfig.builder("pv").kernel(org.oxen.guests.GuestImages.load(
                    org.oxen.guests.GuestImages.Flavor.PV, "hello")).memoryMiB(16).startPaused(true).build());
            assertEquals(0, pv.consoleInput(new byte[] {'x'}, 0, 1), "a PV domain's keys go to its console ring");
        } finally {
            vmm.shutdown();
        }
    }
}
