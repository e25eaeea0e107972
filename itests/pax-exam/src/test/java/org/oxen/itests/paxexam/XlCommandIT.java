package org.oxen.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;

/**
 * What only a hand-assembled framework can show: the toolstack and the VMM work with none of
 * the bundles the runtime's resolver always adds. Pax Exam installs exactly the VMM, its APIs,
 * the guest kit and {@code xl} (OxenOptions): no scheduler bundle (the VMM's built-in fallback
 * runs the domains), no device, no board, no {@code org.oxen.toolstack.sched}. The same xl in
 * the resolved runtime is XlCommandTest's (itests/bnd-testing).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class XlCommandIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor processor;

    @Inject
    private Hypervisor hv;

    @Configuration
    public Option[] config() {
        return options(OxenOptions.base());
    }

    private String run(String line, ByteArrayOutputStream err) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            session.execute(line);
        } finally {
            session.close();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private String run(String line) throws Exception {
        return run(line, new ByteArrayOutputStream());
    }

    private static String field(String info, String name) {
        for (String l : info.split("\\R")) {
            int colon = l.indexOf(" : ");
            if (colon > 0 && l.substring(0, colon).strip().equals(name)) return l.substring(colon + 3).strip();
        }
        throw new AssertionError("xl info has no " + name + ":\n" + info);
    }

    @Test
    public void theFrameworkHoldsOnlyTheVmmTheToolstackAndTheirApisAllActive() {
        TreeSet<String> oxen = Arrays.stream(context.getBundles()).map(Bundle::getSymbolicName)
                .filter(n -> n.startsWith("org.oxen.")).collect(Collectors.toCollection(TreeSet::new));
        // the VMM imports the debugger API (xl debug), the board's toolkit and boot loader (HVM domains);
        // the console backend serves xl console; the toolstack reports exit statuses through org.oxen.shell.exit
        assertEquals(new TreeSet<>(List.of("org.oxen.debug.gdbstub", "org.oxen.elf", "org.oxen.guests",
                "org.oxen.io.consoleback", "org.oxen.sched.api", "org.oxen.shell.exit", "org.oxen.toolstack.xl", "org.oxen.vmm.abi",
                "org.oxen.vmm.api", "org.oxen.vmm.core", "org.oxen.x86.api", "org.oxen.x86.bus", "org.oxen.x86.clock",
                "org.oxen.x86.cpu", "org.oxen.x86.host", "org.oxen.x86.machine")), oxen);
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().startsWith("org.oxen.")) {
                assertEquals(b.getSymbolicName() + " is not active", Bundle.ACTIVE, b.getState());
            }
        }
    }

    @Test
    public void xlInfoShowsNoSchedulerOrDeviceBundleAndTheFallbackRunsPool0() throws Exception {
        String info = run("xl info");
        assertEquals(info, "768", field(info, "total_memory"));
        assertEquals(info, "2", field(info, "nr_cpus"));
        assertEquals(info, "(none)", field(info, "schedulers"));
        assertEquals(info, "(none)", field(info, "xen_scheduler"));
        assertEquals(info, "(none)", field(info, "x86_devices"));
        assertEquals("fallback", hv.pools().get(0).scheduler());
        // the scheduler and pool commands live in org.oxen.toolstack.sched, absent here
        String help = run("xl help");
        assertTrue(help, help.contains(" create "));
        assertTrue(help, !help.contains("sched-") && !help.contains("cpupool-"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals("", run("xl cpupool-list", err));
        assertTrue(err.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
                .contains("unknown command 'cpupool-list'"));
    }

    @Test
    public void xlCreateRunsAPvGuestOnTheFallbackScheduler() throws Exception {
        Path cfg = Files.createTempFile("hello-it", ".cfg");
        try {
            Files.writeString(cfg, "name = \"hello-it\"\nkernel = \"guest:hello\"\nmemory = 16\n"
                    + "on_poweroff = \"preserve\"\n");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            run("xl create " + cfg, err);
            Domain d = hv.find("hello-it").orElseThrow(() -> new AssertionError("not created: " + err));
            assertTrue(d.consoleOutput(), d.awaitShutdown(60, TimeUnit.SECONDS));
            String console = run("xl console hello-it");
            assertTrue(console, console.contains("RESULT: PASS"));
            assertTrue(run("xl list").contains("hello-it"));
            run("xl destroy hello-it");
            assertTrue(hv.find("hello-it").isEmpty());
        } finally {
            Files.deleteIfExists(cfg);
        }
    }
}
