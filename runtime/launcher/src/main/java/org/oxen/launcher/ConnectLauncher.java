package org.oxen.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.connect.ConnectFrameworkFactory;
import org.osgi.framework.connect.ConnectModule;
import org.osgi.framework.connect.ModuleConnector;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The machine launch's main class (issue 16, start-up; runtime/launch.sh {@code --machine}):
 * Felix started through OSGi Connect with every bundle of the launch on the JVM's class path, its
 * classes loaded by the application class loader instead of a bundle class loader per bundle, so
 * the JDK's class-data cache holds them as it holds the framework's: on JDK 25 the AOT cache (JEP
 * 483) has them loaded and linked, their lambdas and string concatenations resolved, before
 * {@code main} runs (docs/PERFORMANCE.md, "Start-up cut IV").
 *
 * <pre>
 * java -Dlauncher.properties=FILE -cp felix.jar:oxen-connect-launcher.jar:BUNDLE.jar... org.oxen.launcher.ConnectLauncher
 * </pre>
 *
 * <p>It reads the properties bnd's launcher reads ({@link LaunchProperties}) and does what bnd's
 * launcher does with them: the bundles installed in their order (on a kept storage only those
 * missing, and those not named uninstalled), each at its start level, started by their activation
 * policy; then the framework started, and the process's exit status taken from the
 * {@code Callable} service registered with {@code main.thread=true} (org.oxen.shell.exit's
 * ProcessExit), called on this thread; the process exits when the framework has stopped, or, for a
 * job ({@value #JOB_PROPERTY}) on a kept storage, as soon as the call has returned its status
 * (the framework stopping: its orderly stop is skipped, "Start-up cut IV"; not in a training run,
 * {@value #TRAINING_PROPERTY}). A bundle
 * installed from elsewhere (a script's {@code install URL}) is not connected: Felix installs it as
 * usual, with a class loader of its own.
 *
 * <p>Design: one thread (main) until the framework starts; the framework's own threads after it.
 */
public final class ConnectLauncher {

    /** The system property naming the launcher properties (bnd's launcher's name for it). */
    static final String PROPERTIES = "launcher.properties";

    /**
     * The framework property of a job (org.oxen.shell.exit's {@code ProcessStatus.JOB_PROPERTY}: one
     * command run without the shell, which stops the framework once it has reported its status).
     */
    static final String JOB_PROPERTY = "oxen.job";

    /**
     * System property of runtime/launch.sh's training runs: a job stops the framework in order
     * there, so the JVM writes its class-data cache at an exit no bundle's stop is still running into.
     */
    static final String TRAINING_PROPERTY = "oxen.launch.training";

    /** Exit status when the framework stops without a {@code main.thread} service having been called. */
    static final int STOPPED_WITHOUT_MAIN = 117;

    private ConnectLauncher() {
    }

    public static void main(String[] args) throws Exception {
        String file = System.getProperty(PROPERTIES);
        if (file == null) {
            System.err.println("oxen launcher: -D" + PROPERTIES + "=FILE is missing");
            System.exit(2);
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            p.load(in);
        }
        System.exit(run(LaunchProperties.of(p)));
    }

    /** Runs the launch to the framework's stop and returns the process's exit status. */
    static int run(LaunchProperties launch) throws Exception {
        Map<String, String> config = launch.framework();
        Path temporary = null;
        String storage = launch.storage();
        if (storage == null) {
            temporary = Files.createTempDirectory("oxen-fw");
            storage = temporary.toString();
        }
        config.put(Constants.FRAMEWORK_STORAGE, storage);
        if (!launch.keep()) {
            config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        }
        try {
            return run(launch, config);
        } finally {
            if (temporary != null) {
                delete(temporary);
            }
        }
    }

    private static int run(LaunchProperties launch, Map<String, String> config) throws Exception {
        ClassLoader loader = ConnectLauncher.class.getClassLoader();
        Map<String, ConnectModule> modules = new HashMap<>();
        for (String location : launch.bundles()) {
            modules.put(location, new JarModule(new File(location), loader));
        }
        ModuleConnector connector = new ModuleConnector() {
            @Override
            public void initialize(File storage, Map<String, String> configuration) {
            }

            @Override
            public Optional<ConnectModule> connect(String location) {
                return Optional.ofNullable(modules.get(location));
            }

            @Override
            public Optional<BundleActivator> newBundleActivator() {
                return Optional.empty();
            }
        };
        ConnectFrameworkFactory factory = ServiceLoader.load(ConnectFrameworkFactory.class, loader).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi Connect framework on the class path"));
        Framework framework = factory.newFramework(config, connector);
        framework.init();
        BundleContext context = framework.getBundleContext();
        String job = context.getProperty(JOB_PROPERTY);
        boolean exitAtStatus = job != null && !job.isEmpty() && launch.keep() && !Boolean.getBoolean(TRAINING_PROPERTY);
        install(context, launch);
        ServiceTracker<Object, Object> main = new ServiceTracker<>(context,
                context.createFilter("(&(" + Constants.OBJECTCLASS + "=" + Callable.class.getName() + ")(main.thread=true))"),
                null);
        main.open();
        framework.start();
        int status = STOPPED_WITHOUT_MAIN;
        while ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0) {
            Object service = main.waitForService(100);
            if (service != null) {
                status = (Integer) ((Callable<?>) service).call();
                break;
            }
        }
        if (exitAtStatus && status != STOPPED_WITHOUT_MAIN) {
            // a job on the kept storage: its status is known once the framework is stopping, and
            // what the orderly stop would still do (every component deactivated, every bundle
            // stopped) changes nothing the next job sees: the storage is put back to its pristine
            // copy by runtime/launch.sh whenever it differs
            return status;
        }
        FrameworkEvent stopped = framework.waitForStop(0);
        if (stopped.getType() == FrameworkEvent.ERROR && stopped.getThrowable() != null) {
            stopped.getThrowable().printStackTrace();
        }
        return status;
    }

    /**
     * The launch's bundles on a framework after its {@code init}: those the storage does not hold
     * installed in the launch's order, those it holds that the launch does not name uninstalled,
     * each at its start level and started by its activation policy (fragments are not started).
     */
    static void install(BundleContext context, LaunchProperties launch) throws Exception {
        Set<String> wanted = new HashSet<>(launch.bundles());
        Map<String, Bundle> present = new HashMap<>();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() == 0) {
                continue;
            }
            if (wanted.contains(b.getLocation())) {
                present.put(b.getLocation(), b);
            } else {
                b.uninstall();
            }
        }
        List<Bundle> bundles = new ArrayList<>();
        for (String location : launch.bundles()) {
            Bundle b = present.get(location);
            if (b == null) {
                b = context.installBundle(location);
                b.adapt(BundleStartLevel.class).setStartLevel(launch.startLevel(b.getSymbolicName()));
            }
            bundles.add(b);
        }
        for (Bundle b : bundles) {
            if (b.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
                b.start(Bundle.START_ACTIVATION_POLICY);
            }
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }
}
