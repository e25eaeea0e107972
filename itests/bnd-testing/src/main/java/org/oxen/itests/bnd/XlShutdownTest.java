package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;

/**
 * xl shutdown, reboot and sysrq through xenstore in a real Felix: guests of the kit booted by
 * xl, introduced to xenstored by the VMM, answering control/shutdown themselves; -F for a guest
 * without PV control; the domain's xenstore nodes gone with it.
 */
class XlShutdownTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    @InjectService(timeout = 10_000)
    Xenstore xenstore;

    private GogoSession gogo;
    private XenstoreClient xs;
    private Path dir;

    @BeforeEach
    void open() throws Exception {
        gogo = new GogoSession(processor);
        xs = xenstore.connect();
        dir = Files.createTempDirectory("xl-shutdown-it");
    }

    @AfterEach
    void close() throws Exception {
        for (Domain d : hv.list()) {
            if (d.name().startsWith("sd-")) gogo.run("xl destroy " + d.name());
        }
        xs.close();
        gogo.close();
    }

    private Domain create(String name, String kernel, String extra) throws Exception {
        Path cfg = dir.resolve(name + ".cfg");
        Files.writeString(cfg, "name = \"" + name + "\"\nkernel = \"guest:" + kernel + "\"\nmemory = 16\n"
                + "extra = \"" + extra + "\"\non_poweroff = \"preserve\"\non_reboot = \"preserve\"\n");
        gogo.run("xl create " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        return hv.find(name).orElseThrow();
    }

    private void awaitNode(String path, String value) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!xs.read(path).equals(Optional.of(value))) {
            assertTrue(System.nanoTime() < end, path + " never became " + value + ": " + xs.read(path));
            Thread.sleep(10);
        }
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
