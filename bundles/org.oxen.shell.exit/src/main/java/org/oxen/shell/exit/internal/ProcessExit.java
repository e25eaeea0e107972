package org.oxen.shell.exit.internal;

import java.util.Hashtable;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.oxen.shell.exit.ProcessStatus;

/**
 * The runtime process's exit status, for scripted use: 0 after a clean {@code stop 0}, 1 when
 * any command of a script failed (a Gogo command threw, or a command reported a non-zero
 * status; a script is a {@code --nointeractive} run, a job run without the shell
 * ({@link ProcessStatus#JOB_PROPERTY}) or one without a terminal, so a typo at an
 * interactive prompt does not make the final {@code stop 0} fail), and a
 * {@code --nointeractive} script that a failing command aborted stops oxen instead of leaving
 * the JVM running with nobody to type {@code stop 0}.
 *
 * <p>Only when the framework property {@value #ENABLE} is {@code true} (the runtime's bndrun
 * sets it): test frameworks keep their own launcher's main thread and their failing commands.
 *
 * <p>Design: the bnd launcher of the exported jar calls a {@code Callable<Integer>} service
 * registered with {@code main.thread=true} on its main thread and exits with what it returns
 * (without one it exits 117 when the framework stops). Ours waits for the system bundle's
 * STOPPING event, so it returns while the framework stops. The launcher's watcher thread exits
 * 117 when the framework is STOPPED while the launcher's main thread has not yet left the call
 * (its {@code deactivate} marks the launch over): on a loaded host the few instructions between
 * our return and that mark could lose the race to a framework with little to stop. So the
 * STOPPING listener, which runs on the thread that stops the framework and before it stops any
 * bundle, holds the stop until the main thread has returned from the call and then waited or
 * blocked for the first time (it does so only inside {@code deactivate}, after the mark), for at
 * most {@value #HOLD_STOP_MILLIS} ms. Commands report their status through the whiteboard service this component
 * provides ({@code IntConsumer} with {@value #STATUS_SERVICE}{@code =true}: a JDK type, so the
 * machine command reports without importing the toolstack); Gogo's own failures arrive through
 * {@link CommandSessionListener}.
 *
 * <p>A bundle of its own (not the toolstack's) so a runtime without the hypervisor, such as the
 * lean launch of a machine job ({@code runtime/machine.bndrun}), has the same exit status.
 *
 * <p>Locking: {@code failed} is volatile and only ever set; the latch is released once.
 */
@Component(immediate = true, service = {CommandSessionListener.class, IntConsumer.class},
        property = ProcessStatus.SERVICE_PROPERTY + "=true")
public final class ProcessExit implements CommandSessionListener, IntConsumer {

    /** Framework property turning the exit status on. */
    static final String ENABLE = ProcessStatus.ENABLE_PROPERTY;
    /** Service property of the status whiteboard ({@code IntConsumer}): commands report exit statuses to it. */
    static final String STATUS_SERVICE = ProcessStatus.SERVICE_PROPERTY;

    private final BundleContext context;
    private final boolean enabled;
    private final boolean script;
    private final CountDownLatch frameworkStopping = new CountDownLatch(1);
    private final SynchronousBundleListener stops = this::bundleEvent;
    private volatile boolean failed;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private ServiceRegistration<?> main;
    /** The launcher's main thread, once it called {@link MainThread}; null before. */
    private volatile Thread launcherMain;
    /** The main thread has returned from {@link MainThread#call}. */
    private volatile boolean returned;

    /** Longest hold of the framework's stop for the launcher's main thread ({@link #holdStopForTheLauncher}). */
    static final long HOLD_STOP_MILLIS = 5_000;

    /** The launcher's main thread runs this; the launcher insists on a method returning Integer. */
    final class MainThread implements Callable<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            launcherMain = Thread.currentThread();
            try {
                frameworkStopping.await();
                return failed && (script || !ProcessStatus.terminal()) ? 1 : 0;
            } finally {
                returned = true;
            }
        }
    }

    @Activate
    public ProcessExit(BundleContext context) {
        this.context = context;
        this.enabled = "true".equals(context.getProperty(ENABLE));
        String gosh = context.getProperty("gosh.args");
        // a --nointeractive Gogo script, or a job run without the shell (ProcessStatus.JOB_PROPERTY)
        this.script = gosh != null && gosh.contains("--nointeractive")
                || !ProcessStatus.jobWords(context.getProperty(ProcessStatus.JOB_PROPERTY)).isEmpty();
        if (enabled) {
            context.addBundleListener(stops);
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("main.thread", "true");
            main = context.registerService(Callable.class.getName(), new MainThread(), props);
        }
    }

    @Deactivate
    void deactivate() {
        if (main != null) {
            try {
                context.removeBundleListener(stops);
                main.unregister();
            } catch (IllegalStateException stopping) {
                // the bundle is stopping: its registrations go with it
            }
        }
    }

    private void bundleEvent(BundleEvent e) {
        if (e.getBundle().getBundleId() == 0 && e.getType() == BundleEvent.STOPPING) {
            frameworkStopping.countDown();
            holdStopForTheLauncher();
        }
    }

    /**
     * On the thread stopping the framework: waits until the launcher's main thread has returned
     * from {@link MainThread#call} and is no longer running (waiting for the framework to stop,
     * blocked on it, or ended), so the launcher has marked its launch over before the framework
     * can be STOPPED (see the class comment); bounded by {@value #HOLD_STOP_MILLIS} ms. Nothing
     * to wait for when no launcher called (a test framework's launch).
     */
    void holdStopForTheLauncher() {
        Thread t = launcherMain;
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_STOP_MILLIS);
        while (!(returned && t.getState() != Thread.State.RUNNABLE) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether a command failed so far. */
    boolean failed() {
        return failed;
    }

    /** A command's exit status: non-zero marks the run as failed. */
    @Override
    public void accept(int status) {
        if (status != 0) {
            failed = true;
        }
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
    }

    /** A Gogo command threw: the run failed, and a script it aborted stops oxen. */
    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        if (frameworkStopping.getCount() == 0 || context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING) {
            return; // 'stop 0' interrupts the script that typed it: not a failure
        }
        failed = true;
        if (enabled && script && stopRequested.compareAndSet(false, true)) {
            System.err.println("oxen: the script failed (" + exception + "); stopping");
            Thread stop = new Thread(() -> {
                try {
                    context.getBundle(0).stop();
                } catch (Exception e) {
                    System.err.println("oxen: cannot stop the framework: " + e);
                }
            }, "oxen-script-failed");
            stop.setDaemon(true);
            stop.start();
        }
    }
}
