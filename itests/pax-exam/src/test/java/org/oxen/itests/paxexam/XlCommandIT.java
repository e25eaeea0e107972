package org.oxen.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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

/** The xl command in a Felix that Pax Exam boots with oxen's bundles. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class XlCommandIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor processor;

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

    @Test
    public void xlInfoShowsConfiguredPool() throws Exception {
        String info = run("xl info");
        assertTrue(info, info.contains("\ntotal_memory           : 768\n"));
        assertTrue(info, info.contains("\nnr_cpus                : 2\n"));
        assertTrue(info, info.startsWith("host                   : "));
    }

    @Test
    public void xlHelpAndErrors() throws Exception {
        assertTrue(run("xl help").contains(" info "));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals("", run("xl info --bogus", err));
        assertTrue(err.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
                .startsWith("xl info: unrecognized option '--bogus'"));
    }

    @Test
    public void commandFollowsTheBundleLifecycle() throws Exception {
        Bundle xl = Arrays.stream(context.getBundles())
                .filter(b -> "org.oxen.toolstack.xl".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        xl.stop();
        try {
            run("xl info");
            fail("xl must be gone while its bundle is stopped");
        } catch (IllegalArgumentException expected) {
            // Gogo: "Command not found: xl"
            assertTrue(expected.getMessage(), expected.getMessage().contains("xl"));
        }
        xl.start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (context.getServiceReferences((String) null, "(osgi.command.function=xl)") == null) {
            if (System.currentTimeMillis() > deadline) {
                fail("xl did not come back");
            }
            Thread.sleep(20);
        }
        assertTrue(run("xl info").contains("total_memory"));
    }
}
