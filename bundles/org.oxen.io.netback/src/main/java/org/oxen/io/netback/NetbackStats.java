package org.oxen.io.netback;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What netback has done, for tests and logs: vifs connected and disconnected, and each frontend
 * found hostile with the reason. Thread-safe.
 */
final class NetbackStats {

    record Fatal(String vif, String why) {
    }

    final List<Vif> live = new CopyOnWriteArrayList<>();
    final List<Fatal> fatals = new CopyOnWriteArrayList<>();
    volatile long connects;
    volatile long disconnects;

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
