package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The domain subcommands hold the Hypervisor statically: when the VMM bundle stops they leave
 * (`xl help` no longer lists them, `xl info` stays), and they come back with it.
 */
class XlFollowsTheHypervisorTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @Test
    void domainSubcommandsLeaveAndComeBackWithTheVmm() throws Exception {
        Bundle vmm = Arrays.stream(context.getBundles()).filter(b -> "org.oxen.vmm.core".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        try (GogoSession gogo = new GogoSession(processor)) {
            assertTrue(gogo.run("xl help").contains("\n create "));
            vmm.stop();
            try {
                String help = gogo.run("xl help");
                assertFalse(help.contains("\n create ") || help.contains("\n list ") || help.contains("\n top "), help);
                assertTrue(help.contains("\n info "), help);
                String info = gogo.run("xl info");
                assertTrue(info.contains("xen_pagesize") && !info.contains("total_memory"), info); // no VMM, no pool
                gogo.run("xl list");
                assertEquals("xl: unknown command 'list'; 'xl help' lists the commands", gogo.err().strip());
            } finally {
                vmm.start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!gogo.run("xl help").contains("\n create ")) {
                assertTrue(System.nanoTime() < deadline, "xl create did not come back");
                Thread.sleep(20);
            }
            assertTrue(gogo.run("xl list").startsWith("Name "));
        }
    }
}
