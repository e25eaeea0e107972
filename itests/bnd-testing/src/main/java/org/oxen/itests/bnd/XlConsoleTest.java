package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.ShutdownReason;

/**
 * {@code xl console} in the runtime's framework with the console backend: keys written into the
 * session's piped stdin reach the kit's {@code console} program through its console ring, its
 * answers come back, poweroff ends the console, and the console of the ended domain prints the
 * log the backend kept.
 */
class XlConsoleTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Domains domains;

    private GogoSession gogo;
    private Path dir;

    @BeforeEach
    void open() throws Exception {
        gogo = new GogoSession(processor);
        dir = Files.createTempDirectory("xl-console-it");
    }

    @AfterEach
    void close() {
        for (Domain d : domains.list()) {
            if (d.name().startsWith("xc-")) domains.destroy(d.id());
        }
        gogo.close();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void typedLinesReachTheGuestThroughXlConsoleAndItsLogOutlivesIt() throws Exception {
        Path cfg = dir.resolve("xc-demo.cfg");
        Files.writeString(cfg, "name = \"xc-demo\"\nkernel = \"guest:console\"\nmemory = 16\non_poweroff = \"destroy\"\n");
        assertEquals("", gogo.run("xl create " + cfg));
        Domain d = domains.find("xc-demo").orElseThrow();

        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream keyboard = new PipedInputStream(keys, 4096);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(screen, true, StandardCharsets.UTF_8);
        CommandSession s = processor.createSession(keyboard, out, new PrintStream(new ByteArrayOutputStream()));
        AtomicReference<Object> status = new AtomicReference<>();
        Thread attached = new Thread(() -> {
            try {
                s.execute("xl console xc-demo");
                status.set(s.get("xl.status"));
            } catch (Exception e) {
                status.set(e);
            }
        }, "xl console");
        attached.start();
        try {
            awaitTrue(() -> screen.toString(StandardCharsets.UTF_8).contains("type help"), "the demo's banner");
            keys.write("echo typed through xl console\n".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            awaitTrue(() -> screen.toString(StandardCharsets.UTF_8).contains("\ntyped through xl console\n"),
                    "the guest's answer:\n" + screen.toString(StandardCharsets.UTF_8));
            keys.write("uptime\npoweroff\n".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS));
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            attached.join(TimeUnit.SECONDS.toMillis(30));
            assertEquals(0, status.get(), "xl console ended with the domain");
        } finally {
            attached.interrupt();
            s.close();
        }
        String seen = screen.toString(StandardCharsets.UTF_8);
        assertTrue(seen.contains("> echo typed through xl console\ntyped through xl console\n> uptime\nup "), seen);
        assertTrue(seen.endsWith("> poweroff\nconsole: powering off\nRESULT: PASS\n"), seen);

        // on_poweroff=destroy: the domain is gone, its console log is not
        awaitTrue(() -> domains.find(d.id()).isEmpty(), "xc-demo destroyed");
        String kept = gogo.run("xl console xc-demo");
        assertEquals(0, gogo.get("xl.status"));
        assertTrue(kept.contains("typed through xl console\n") && kept.endsWith("RESULT: PASS\n"), kept);
        assertEquals(kept, gogo.run("xl console " + d.id()));
    }
}
