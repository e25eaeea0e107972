package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;

/**
 * xl shutdown, reboot and sysrq through xenstore in a real Felix: guests of the kit booted by
 * xl, introduced to xenstored by the VMM, answering control/shutdown themselves; -F for a guest
 * without PV control; the domain's xenstore nodes gone with it.
 */
class XlShutdownTest extends XlSessionTest {

    @Override
    String domainPrefix() {
        return "sd-";
    }

    private Domain create(String name, String kernel, String extra) throws Exception {
        return createFromConfig(name, "kernel = \"guest:" + kernel + "\"\nmemory = 16\nextra = \"" + extra + "\"\n"
                + "on_poweroff = \"preserve\"\non_reboot = \"preserve\"\n");
    }

    @Test
    void shutdownWaitEndsWithACleanPoweroff() throws Exception {
        Domain d = create("sd-hello", "hello", "wait_shutdown=1");
        String dom = "/local/domain/" + d.id();
        assertEquals(Optional.of("sd-hello"), xs.read(dom + "/name"));
        awaitNode(dom + "/control/feature-poweroff", "1");
        gogo.run("xl shutdown -w sd-hello");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertTrue(gogo.err().contains("Shutting down domain " + d.id()), gogo.err());
        assertTrue(gogo.err().contains("Domain " + d.id() + " has been shut down, reason code 0 (poweroff)"),
                gogo.err());
        assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason());
        assertTrue(GuestOutput.of(d).contains("shutdown: poweroff requested through control/shutdown"),
                GuestOutput.of(d));
        assertTrue(GuestOutput.of(d).strip().endsWith("RESULT: PASS"), GuestOutput.of(d));
        assertEquals(Optional.of(""), xs.read(dom + "/control/shutdown"), "the guest acknowledged");
        gogo.run("xl destroy sd-hello");
        assertEquals(Optional.empty(), xs.read(dom + "/name"), "the domain's nodes went with it");
    }

    @Test
    void rebootWaitEndsWithReasonReboot() throws Exception {
        Domain d = create("sd-reboot", "hello", "wait_shutdown=1");
        gogo.run("xl reboot -w sd-reboot");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertTrue(gogo.err().contains("Rebooting domain " + d.id()), gogo.err());
        assertTrue(gogo.err().contains("reason code 1 (reboot)"), gogo.err());
        assertEquals(Optional.of(ShutdownReason.REBOOT), d.shutdownReason());
    }

    @Test
    void aGuestWithoutPvControlNeedsMinusF() throws Exception {
        Domain d = create("sd-bench", "cpubench", "loop=200000 mix=50 repeat=0");
        String dom = "/local/domain/" + d.id();
        gogo.run("xl sysrq sd-bench h");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertEquals(Optional.of("h"), xs.read(dom + "/control/sysrq"));
        gogo.run("xl sysrq sd-bench hh");
        assertEquals(1, gogo.get("xl.status"), "one letter only: usage");

        gogo.run("xl shutdown -F -w sd-bench");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertTrue(gogo.err().contains("PV control interface not available: shutting down the domain from the "
                + "hypervisor (SCHEDOP_remote_shutdown)."), gogo.err());
        assertTrue(gogo.err().contains("reason code 0 (poweroff)"), gogo.err());
        assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason());
        assertTrue(!GuestOutput.of(d).contains("RESULT:"), "stopped by the hypervisor, not by itself");
    }
}
