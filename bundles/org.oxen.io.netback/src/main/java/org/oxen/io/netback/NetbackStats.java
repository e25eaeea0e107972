package org.oxen.io.netback;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What netback has done, for tests, logs and {@code BackendStatistics}: the backends bound, vifs
 * connected and disconnected, and each frontend found hostile with the reason. Thread-safe.
 */
final class NetbackStats {

    record Fatal(String vif, String why) {
    }

    final List<Vif> live = new CopyOnWriteArrayList<>();
    /** Every backend xenbus has bound and not yet closed, connected or not. */
    final List<VifBackend> backends = new CopyOnWriteArrayList<>();
    final List<Fatal> fatals = new CopyOnWriteArrayList<>();
    volatile long connects;
    volatile long disconnects;

    void created(VifBackend b) {
        backends.add(b);
    }

    void removed(VifBackend b) {
        backends.remove(b);
    }

    synchronized void connected(VifBackend b, Vif v) {
        live.add(v);
        connects++;
    }

    synchronized void disconnected(VifBackend b, Vif v) {
        live.remove(v);
        disconnects++;
    }

    synchronized void fatal(VifBackend b, Vif v, String why) {
        live.remove(v);
        fatals.add(new Fatal(v.name(), why));
    }
}
