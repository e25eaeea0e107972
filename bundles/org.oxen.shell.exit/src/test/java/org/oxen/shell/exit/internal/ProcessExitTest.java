package org.oxen.shell.exit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceRegistration;
import org.oxen.shell.exit.ProcessStatus;

/**
 * The exit status against the bnd launcher's two threads: its main thread calls our
 * {@code main.thread} Callable and marks the launch over when it returns; its watcher exits the
 * process with 117 if the framework is STOPPED before that mark. Here a stand-in launcher does
 * the same on a real thread, and the test plays the framework (the STOPPING event on the stopping
 * thread, then STOPPED as soon as the listener lets it go).
 */
class ProcessExitTest {

    /** What the component registered and listened with, through a stand-in BundleContext. */
    static final class Context {
        final AtomicReference<BundleListener> listener = new AtomicReference<>();
        final AtomicReference<Callable<?>> main = new AtomicReference<>();
        final Bundle systemBundle = proxy(Bundle.class, (m, a) -> m.getName().equals("getBundleId") ? 0L : null);
        final BundleContext context = proxy(BundleContext.class, (m, a) -> {
            switch (m.getName()) {
                case "getProperty":
                    return a[0].equals(ProcessStatus.ENABLE_PROPERTY) ? "true"
                            : a[0].equals("gosh.args") ? "--nointeractive -c 'stop 0'" : null;
                case "addBundleListener":
                    listener.set((BundleListener) a[0]);
                    return null;
                case "registerService":
                    main.set((Callable<?>) a[1]);
                    return proxy(ServiceRegistration.class, (m2, a2) -> null);
                case "getBundle":
                    return systemBundle;
                default:
                    return null;
            }
        });
    }

    interface Handler {
        Object invoke(java.lang.reflect.Method m, Object[] a);
    }

    @SuppressWarnings("unchecked")
    static <T> T proxy(Class<T> type, Handler h) {
        return (T) Proxy.newProxyInstance(ProcessExitTest.class.getClassLoader(), new Class<?>[] {type},
                (p, m, a) -> m.getName().equals("hashCode") ? System.identityHashCode(p)
                        : m.getName().equals("equals") ? p == a[0] : h.invoke(m, a));
    }

    /**
     * The launcher's main thread is slow to mark its launch over after the call returned (a loaded
     * host; here it spins 300 ms, running): the framework's stop is held at STOPPING until the
     * mark, so the watcher cannot see STOPPED first and exit 117 (ScriptedUseTest's
     * cleanStopExitsZeroNot117 saw 117 on a loaded host before the hold).
     */
    @Test
    void theFrameworkIsNotStoppedBeforeTheLauncherLeavesTheCall() throws Exception {
        Context c = new Context();
        new ProcessExit(c.context);
        assertNotNull(c.main.get(), "the main.thread Callable is registered");
        assertNotNull(c.listener.get(), "the system bundle's events are listened to");

        CountDownLatch called = new CountDownLatch(1);
        CountDownLatch frameworkStopped = new CountDownLatch(1);
        AtomicReference<Object> status = new AtomicReference<>();
        long[] launchOverAt = {0};
        Thread launcher = new Thread(() -> {
            try {
                called.countDown();
                status.set(c.main.get().call());
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait(); // running, not waiting: the launcher on its way to deactivate()
                }
                launchOverAt[0] = System.nanoTime(); // deactivate(): active.getAndSet(false)
                frameworkStopped.await(); // systemBundle.waitForStop(...)
            } catch (Exception e) {
                status.set(e);
            }
        }, "launcher-main");
        launcher.start();
        assertTrue(called.await(10, TimeUnit.SECONDS));
        while (launcher.getState() != Thread.State.WAITING) {
            Thread.sleep(1); // the call waits for the framework to stop
        }

        // 'stop 0': the framework fires STOPPING on the stopping thread, synchronously
        c.listener.get().bundleChanged(new BundleEvent(BundleEvent.STOPPING, c.systemBundle));
        long stoppedAt = System.nanoTime(); // the framework would be STOPPED from here on
        frameworkStopped.countDown();
        launcher.join(10_000);

        assertEquals(0, status.get(), "a clean stop: status 0");
        assertTrue(launchOverAt[0] != 0 && launchOverAt[0] <= stoppedAt,
                "the launcher marked its launch over before the framework could stop (else its watcher exits 117)");
    }

    /** Without a launcher calling (a test framework's own launch), STOPPING is not held. */
    @Test
    void noLauncherNoHold() {
        Context c = new Context();
        new ProcessExit(c.context);
        long t0 = System.nanoTime();
        c.listener.get().bundleChanged(new BundleEvent(BundleEvent.STOPPING, c.systemBundle));
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(ProcessExit.HOLD_STOP_MILLIS),
                "not held for the bound");
    }

    /** A job's words as the oxen script joins them: every word as it is, empty ones too; no job, no words. */
    @Test
    void aJobsWordsAreSplitOnTheUnitSeparatorOnly() {
        String us = String.valueOf(ProcessStatus.JOB_SEPARATOR);
        assertEquals(List.of("machine", "boot", "-w", "it's \"a\" b.elf", "", "--cmdline", "x=1 y"),
                ProcessStatus.jobWords(String.join(us, "machine", "boot", "-w", "it's \"a\" b.elf", "", "--cmdline", "x=1 y")));
        assertEquals(List.of("machine", ""), ProcessStatus.jobWords("machine" + us));
        assertEquals(List.of(), ProcessStatus.jobWords(null));
        assertEquals(List.of(), ProcessStatus.jobWords(""));
    }
}
