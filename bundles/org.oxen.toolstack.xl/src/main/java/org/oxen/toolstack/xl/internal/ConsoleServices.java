package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.oxen.vmm.api.GuestConsole;

/**
 * The console backend's {@link GuestConsole} services as a command sees them (the component
 * binds each as it comes and goes), with a wait for a new domain's console that wakes when its
 * service is bound instead of looking every few milliseconds ({@code xl console}, {@code xl
 * create -c}).
 *
 * <p>Locking: the instance's monitor guards the list; binding notifies the waiters.
 */
final class ConsoleServices {

    /** How often a waiter looks whether the domain went meanwhile (no service will come for it). */
    static final long GONE_CHECK_MS = 250;

    private final List<GuestConsole> consoles = new ArrayList<>();

    synchronized void add(GuestConsole c) {
        consoles.add(c);
        notifyAll();
    }

    /** Unbinds {@code c} itself (not one that equals it). */
    synchronized void remove(GuestConsole c) {
        consoles.removeIf(x -> x == c);
    }

    synchronized List<GuestConsole> list() {
        return List.copyOf(consoles);
    }

    /** The latest-bound console of domain {@code domid}, or null. */
    private GuestConsole find(int domid) {
        GuestConsole best = null;
        for (GuestConsole c : consoles) {
            if (c.domid() == domid) best = c;
        }
        return best;
    }

    /**
     * Domain {@code domid}'s console once its backend has connected it: at once if it has, else
     * when its service is bound; null if none came within {@code timeoutMillis} or
     * {@code gone} says the domain went meanwhile (looked at every {@link #GONE_CHECK_MS}).
     */
    synchronized GuestConsole await(int domid, long timeoutMillis, BooleanSupplier gone) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            GuestConsole c = find(domid);
            if (c != null) return c;
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0 || gone.getAsBoolean()) return null;
            wait(Math.min(left, GONE_CHECK_MS));
        }
    }
}
