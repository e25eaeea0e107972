package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.Domain;

/**
 * oxen's main job: when the hypervisor is up, create a domain from every {@code *.cfg} in the
 * domain config directory (in name order), then watch the directory and create a domain for
 * each {@code .cfg} file dropped there or changed while no domain from it is alive.
 *
 * <p>The directory is the framework property {@value #DIR_PROPERTY}; unset, it is
 * {@value #DEFAULT_DIR} relative to the working directory when that exists (the README's run
 * command runs from the repository root), else nothing is started. {@code none} turns the job
 * off. A configured directory that does not exist (or is not a directory) is reported in one
 * line and the job stays off: a typo must not create an empty directory somewhere.
 * Each outcome is one line on stderr: {@code oxen: created domain 'hello' (id 1) from
 * runtime/domains/hello.cfg}, or the file's error with its {@code file:line:column}.
 *
 * <p>Kernel catalogs ({@code kernel = "guest:hello"}) are services that may start after this
 * component: a config whose catalog is missing waits for it, silently while the framework is
 * still starting (bundle start order is not a user's error), and is created when the catalog
 * arrives; one still waiting when the framework has started is reported then.
 *
 * <p>Locking: {@code this} guards {@link #fromFile}, {@link #waiting}, {@link #reported} and every {@link #start},
 * which run on four threads: activation (the first scan), the watch thread, the thread binding
 * a kernel catalog (Toolstack's arrival listeners) and the framework event thread (the report
 * of configs still waiting). {@link #start} calls into the {@link Toolstack} (its own lock,
 * never calling back here), so the order is always this, then Toolstack.
 */
@Component(immediate = true)
public final class DomainAutostart {

    static final String DIR_PROPERTY = "oxen.domains.dir";
    static final String DEFAULT_DIR = "runtime/domains";
    /** A file is read this long after its last change, so a copy in progress is not read half-written. */
    static final long SETTLE_MS = 250;

    private final Toolstack toolstack;
    private final BundleContext context;
    /** The domain created from each file (absolute path), to tell a change from a new file. */
    private final Map<Path, Integer> fromFile = new HashMap<>();
    /** Files waiting for a kernel catalog, with the error to report if it never comes. */
    private final Map<Path, String> waiting = new TreeMap<>();
    private final Runnable catalogArrived = this::retryWaiting;
    private final FrameworkListener started = this::frameworkEvent;
    private final Path dir;
    /** Whether the configs still waiting at the end of startup were reported (guarded by this). */
    private boolean reported;
    private WatchService watcher;
    private Thread thread;

    @Activate
    public DomainAutostart(@Reference Toolstack toolstack, BundleContext context) {
        this.toolstack = toolstack;
        this.context = context;
        this.dir = directory(context.getProperty(DIR_PROPERTY));
        if (dir == null) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            log().println("oxen: " + DIR_PROPERTY + "=" + context.getProperty(DIR_PROPERTY) + ": " + dir
                    + (Files.exists(dir) ? " is not a directory" : " does not exist") + "; no domains are started");
            return;
        }
        try {
            watcher = dir.getFileSystem().newWatchService();
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            log().println("oxen: cannot watch domain config directory " + dir + ": " + e.getMessage());
            watcher = null;
        }
        toolstack.kernels().onArrival(catalogArrived);
        context.addFrameworkListener(started);
        startAll(); // before the Gogo prompt (start level 100) appears
        thread = new Thread(this::watch, "oxen-domains-" + dir.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /** Where the job reports: the process's stderr, looked up at each line. */
    private static PrintStream log() {
        return System.err;
    }

    /** The directory to use, or {@code null} for none. */
    static Path directory(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured.strip().equals("none") ? null : Path.of(configured.strip()).toAbsolutePath().normalize();
        }
        Path dflt = Path.of(DEFAULT_DIR).toAbsolutePath().normalize();
        return Files.isDirectory(dflt) ? dflt : null;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        toolstack.kernels().removeArrivalListener(catalogArrived);
        try {
            context.removeFrameworkListener(started);
        } catch (IllegalStateException stopping) {
            // the bundle is stopping: its listeners go with it
        }
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // closing: nothing to report
            }
        }
        if (thread != null) {
            thread.interrupt();
            thread.join(5000);
        }
    }

    private synchronized void startAll() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.cfg")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            log().println("oxen: cannot read domain config directory " + dir + ": " + e.getMessage());
        }
        files.sort(null);
        for (Path f : files) {
            start(f);
        }
    }

    private void watch() {
        if (watcher == null) {
            return;
        }
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = watcher.take();
                List<Path> changed = new ArrayList<>();
                do {
                    for (WatchEvent<?> ev : key.pollEvents()) {
                        if (ev.context() instanceof Path p && p.toString().endsWith(".cfg")
                                && !changed.contains(dir.resolve(p))) {
                            changed.add(dir.resolve(p));
                        }
                    }
                    key.reset();
                    // let a copy finish: gather the events of the next moment too
                    key = watcher.poll(SETTLE_MS, TimeUnit.MILLISECONDS);
                } while (key != null);
                synchronized (this) {
                    for (Path f : changed) {
                        if (Files.isRegularFile(f) && !alive(f)) {
                            start(f);
                        }
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // deactivated
        }
    }

    private boolean alive(Path f) {
        Integer id = fromFile.get(f);
        return id != null && toolstack.hypervisor().find(id).isPresent();
    }

    /** A kernel catalog arrived: configs that waited for one are tried again. */
    private synchronized void retryWaiting() {
        for (Path f : new ArrayList<>(waiting.keySet())) {
            waiting.remove(f);
            if (Files.isRegularFile(f) && !alive(f)) {
                start(f);
            }
        }
    }

    /** The framework has started: configs still waiting for a kernel catalog are reported, once. */
    private synchronized void frameworkEvent(FrameworkEvent e) {
        if ((e.getType() == FrameworkEvent.STARTED || e.getType() == FrameworkEvent.STARTLEVEL_CHANGED)
                && !reported && !frameworkStarting()) {
            reported = true;
            waiting.values().forEach(line -> log().println(line));
        }
    }

    /**
     * Whether the framework is still starting its bundles: the system bundle is STARTING, or its
     * start level is below the highest installed bundle's (the launcher raises it level by level,
     * the shell coming last).
     */
    private boolean frameworkStarting() {
        Bundle system = context.getBundle(0);
        if (system.getState() == Bundle.STARTING) {
            return true;
        }
        int highest = 0;
        for (Bundle b : context.getBundles()) {
            BundleStartLevel level = b.adapt(BundleStartLevel.class);
            if (level != null) {
                highest = Math.max(highest, level.getStartLevel());
            }
        }
        FrameworkStartLevel now = system.adapt(FrameworkStartLevel.class);
        return now != null && now.getStartLevel() < highest;
    }

    private void start(Path f) {
        Path shown = relative(f);
        try {
            DomainPlan plan = ConfigLoader.load(shown, List.of(), toolstack.kernels());
            Domain d = toolstack.create(plan, false);
            fromFile.put(f, d.id());
            for (String w : plan.spec().warnings()) {
                log().println("oxen: " + shown + ": WARNING: " + w);
            }
            log().println("oxen: created domain '" + d.name() + "' (id " + d.id() + ") from " + shown);
        } catch (ConfigLoader.MissingKernelCatalog e) {
            String line = "oxen: " + shown + ": not started yet: " + e.getMessage()
                    + "; it starts when such a catalog appears";
            waiting.put(f, line);
            if (!frameworkStarting()) {
                log().println(line);
            }
        } catch (XlError e) {
            log().println("oxen: " + shown + ": not started: " + e.getMessage());
        } catch (RuntimeException e) {
            log().println("oxen: " + shown + ": not started: " + e);
        }
    }

    /** The file as the user knows it: relative to the working directory when inside it. */
    private static Path relative(Path f) {
        Path cwd = Path.of("").toAbsolutePath();
        return f.startsWith(cwd) ? cwd.relativize(f) : f;
    }
}
