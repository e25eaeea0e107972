package org.oxen.toolstack.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * What Domain-0 holds that a campaign must give back: free frames of the machine's pool, the
 * domains alive, xenstore's nodes (every path of the tree), the hypervisor's internal-error
 * count. Taken before the campaign and again after its domains are destroyed; the two must be
 * equal ({@link #differences}).
 *
 * <p>Immutable; {@link #take} reads the services from the calling thread.
 */
record Dom0State(long freeFrames, List<String> domains, TreeSet<String> xenstore, long internalErrors) {

    static Dom0State take(Hypervisor hv, Optional<Xenstore> store) throws XenstoreException {
        TreeSet<String> nodes = new TreeSet<>();
        if (store.isPresent()) {
            try (XenstoreClient c = store.get().connect()) {
                walk(c, "/", nodes);
            }
        }
        List<String> domains = hv.list().stream().map(d -> d.id() + ":" + d.name()).sorted().toList();
        return new Dom0State(hv.freeFrames(), domains, nodes, hv.internalErrors());
    }

    private static void walk(XenstoreClient c, String path, TreeSet<String> nodes) throws XenstoreException {
        nodes.add(path);
        List<String> children;
        try {
            children = c.directory(path);
        } catch (XenstoreException e) {
            if ("ENOENT".equals(e.error())) return; // removed while we walked
            throw e;
        }
        for (String child : children) {
            walk(c, path.equals("/") ? "/" + child : path + "/" + child, nodes);
        }
    }

    /** How {@code after} differs from this state; empty when Domain-0 is as it was. */
    List<String> differences(Dom0State after) {
        List<String> d = new ArrayList<>();
        if (after.freeFrames != freeFrames) {
            d.add(String.format("frame pool: %d free frames before, %d after (%+d leaked)", freeFrames,
                    after.freeFrames, freeFrames - after.freeFrames));
        }
        if (!after.domains.equals(domains)) d.add("domains " + domains + " before, " + after.domains + " after");
        if (after.internalErrors != internalErrors) {
            d.add("hypervisor internal errors: " + internalErrors + " before, " + after.internalErrors + " after");
        }
        TreeSet<String> added = new TreeSet<>(after.xenstore);
        added.removeAll(xenstore);
        TreeSet<String> removed = new TreeSet<>(xenstore);
        removed.removeAll(after.xenstore);
        if (!added.isEmpty()) d.add("xenstore nodes left behind: " + first(added));
        if (!removed.isEmpty()) d.add("xenstore nodes gone: " + first(removed));
        return d;
    }

    private static String first(TreeSet<String> s) {
        return s.size() <= 8 ? s.toString() : s.stream().limit(8).toList() + " and " + (s.size() - 8) + " more";
    }

    static boolean alive(Domain d) {
        return switch (d.state()) {
            case RUNNING, BLOCKED, PAUSED -> true;
            default -> false;
        };
    }
}
