package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** The xl command as a user meets it: through Gogo, in the framework the runtime resolves. */
class XlCommandTest {

    static final String XL_BSN = "org.oxen.toolstack.xl";

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    private GogoSession gogo;

    @BeforeEach
    void open() {
        gogo = new GogoSession(processor);
    }

    @AfterEach
    void close() {
        gogo.close();
    }

    static Map<String, String> infoFields(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\\R")) {
            int colon = line.indexOf(" : ");
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 3).strip());
            }
        }
        return fields;
    }

    @Test
    void xlInfoReportsTheHost() throws Exception {
        Map<String, String> info = infoFields(gogo.run("xl info"));
        assertEquals("2", info.get("nr_cpus"), info.toString());
        assertEquals("512", info.get("total_memory"), info.toString());
        assertEquals("4096", info.get("xen_pagesize"));
        assertEquals(bundle(XL_BSN).getVersion().toString(), info.get("oxen_version"));
        assertTrue(info.get("osgi_framework").startsWith("org.apache.felix.framework 7."), info.toString());
        assertNotNull(info.get("host"));
        assertEquals("atropos bvt credit rr sedf", info.get("schedulers"));
        assertEquals("credit", info.get("xen_scheduler"));
        assertEquals("debugcon ioapic lapic pci pic pit postcode rtc uart", info.get("x86_devices"));
        assertEquals(0, gogo.get("xl.status"));
    }

    @Test
    void xlInfoListsRegisteredSchedulerServices() throws Exception {
        var props = new java.util.Hashtable<String, Object>(Map.of("oxen.sched.name", "zzz-test"));
        var reg = context.registerService(Object.class, new Object(), props);
        try {
            assertTrue(infoFields(gogo.run("xl info")).get("schedulers").contains("zzz-test"));
        } finally {
            reg.unregister();
        }
        assertTrue(!infoFields(gogo.run("xl info")).get("schedulers").contains("zzz-test"));
    }

    @Test
    void xlHelpListsSubcommandsAndUsage() throws Exception {
        String help = gogo.run("xl help");
        assertTrue(help.startsWith("Usage xl [-vfN] <subcommand> [args]"), help);
        assertTrue(help.contains(" info                Get information about the oxen host"), help);
        String usage = gogo.run("xl help info");
        assertTrue(usage.startsWith("Usage: xl [-v] info"), usage);
    }

    @Test
    void unknownSubcommandIsAClearError() throws Exception {
        assertEquals("", gogo.run("xl frobnicate"));
        assertEquals("xl: unknown command 'frobnicate'; 'xl help' lists the commands", gogo.err().strip());
        assertEquals(1, gogo.get("xl.status"));
    }

    @Test
    void stoppingTheBundleRemovesTheCommandAndStartingRestoresIt() throws Exception {
        Bundle xl = bundle(XL_BSN);
        long frameworkStart = context.getBundle(0).getLastModified();
        gogo.run("stop " + xl.getBundleId());
        assertEquals(Bundle.RESOLVED, xl.getState());
        Exception gone = assertThrows(Exception.class, () -> gogo.run("xl info"));
        assertTrue(gone.getMessage().contains("xl"), gone.getMessage());

        gogo.run("start " + xl.getBundleId());
        assertEquals(Bundle.ACTIVE, xl.getState());
        awaitCommand();
        assertEquals("512", infoFields(gogo.run("xl info")).get("total_memory"));
        // the same framework, not a restart
        assertEquals(frameworkStart, context.getBundle(0).getLastModified());
        assertEquals(Bundle.ACTIVE, context.getBundle(0).getState());
    }

    /** SCR registers components asynchronously after a bundle starts. */
    private void awaitCommand() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(osgi.command.function=xl)");
            if (refs != null && refs.length > 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("xl command did not come back within 10 s");
    }

    private Bundle bundle(String bsn) {
        return Arrays.stream(context.getBundles())
                .filter(b -> bsn.equals(b.getSymbolicName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("bundle " + bsn + " not installed"));
    }
}
