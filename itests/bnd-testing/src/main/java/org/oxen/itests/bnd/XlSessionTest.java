package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;

/**
 * The set-up the xl itests share: a Gogo session on the real command processor, a xenstore
 * connection, a temporary directory for images and configs, domains created from xl.cfg text
 * through {@code xl create}, and every domain whose name has the test's prefix destroyed (by
 * id: a migration's --incoming and --migratedaway names included) after each test, then the
 * test's own after-checks ({@link #afterDomainsDestroyed}).
 */
abstract class XlSessionTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    @InjectService(timeout = 10_000)
    Xenstore xenstore;

    @InjectBundleContext
    BundleContext context;

    GogoSession gogo;
    XenstoreClient xs;
    Path dir;

    /** The names of this test's domains start with it (destroyed after each test). */
    abstract String domainPrefix();

    /** Whether a domain of this name is the test's (destroyed after each test): by default, its {@link #domainPrefix}. */
    boolean ownsDomain(String name) {
        return name.startsWith(domainPrefix());
    }

    /** Runs after each test's domains are destroyed, before the session closes (a test's own checks). */
    void afterDomainsDestroyed() throws Exception {
    }

    @BeforeEach
    void openSession() throws Exception {
        gogo = new GogoSession(processor);
        xs = xenstore.connect();
        dir = Files.createTempDirectory(getClass().getSimpleName());
    }

    @AfterEach
    void closeSession() throws Exception {
        try {
            for (Domain d : hv.list()) {
                if (ownsDomain(d.name())) gogo.run("xl destroy " + d.id());
            }
            afterDomainsDestroyed();
        } finally {
            xs.close();
            gogo.close();
        }
    }

    /**
     * {@code xl create} of a config written to {@link #dir}: the kernel, memory, {@code extra}
     * (the guest's command line, or null), {@code on_poweroff = "preserve"} (the ended domain's
     * output stays readable), and one disk spec (or null).
     */
    Domain create(String name, String kernel, int memoryMiB, String extra, String disk) throws Exception {
        return createFromConfig(name, "kernel = \"" + kernel + "\"\nmemory = " + memoryMiB + "\n"
                + (extra == null ? "" : "extra = \"" + extra + "\"\n") + "on_poweroff = \"preserve\"\n"
                + (disk == null ? "" : "disk = [ '" + disk + "' ]\n"));
    }

    /** {@code xl create} of {@code name = "<name>"} and {@code config}'s lines, written to {@link #dir}. */
    Domain createFromConfig(String name, String config) throws Exception {
        Path cfg = dir.resolve(name + ".cfg");
        Files.writeString(cfg, "name = \"" + name + "\"\n" + config);
        gogo.run("xl create " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        return hv.find(name).orElseThrow();
    }

    /** Waits (60 s at most: a loaded host boots guests slowly) until the xenstore node holds {@code value}. */
    void awaitNode(String path, String value) throws Exception {
        awaitNode(path, Optional.of(value));
    }

    /** Waits (60 s at most) until the xenstore node holds {@code value} (empty: until it is gone). */
    void awaitNode(String path, Optional<String> value) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!xs.read(path).equals(value)) {
            assertTrue(System.nanoTime() < end, path + " never became " + value + ": " + xs.read(path));
            Thread.sleep(5);
        }
    }

    /** Runs a host program (qemu-img), requiring exit 0; its output. */
    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }
}
