package org.oxen.toolstack.xl.internal;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.oxen.toolstack.xl.KernelCatalog;

/**
 * The {@link KernelCatalog} services bound now, by scheme, and what a {@code kernel} value means:
 * {@code <scheme>:<name>} (a lower-case word, a colon, a name without '/') is a catalog's kernel,
 * anything else a file path (write {@code ./a:b} for a file whose name looks like a scheme).
 *
 * <p>Design: catalogs come and go with their bundles; the first bound for a scheme serves it
 * until it leaves. Listeners hear of each arrival after the catalog can be looked up, so the
 * main job can retry configs that waited for it.
 *
 * <p>Locking: none; copy-on-write lists give every lookup a consistent snapshot.
 */
final class KernelCatalogs {

    private static final Pattern SCHEMED = Pattern.compile("([a-z][a-z0-9-]*):([^/]+)");

    private record Bound(String scheme, KernelCatalog catalog) {
    }

    private final List<Bound> bound = new CopyOnWriteArrayList<>();
    private final List<Runnable> arrivals = new CopyOnWriteArrayList<>();

    /** A kernel value split as {@code scheme:name}, or {@code null} for a file path. */
    record Ref(String scheme, String name) {
        static Ref parse(String kernel) {
            Matcher m = SCHEMED.matcher(kernel);
            return m.matches() ? new Ref(m.group(1), m.group(2)) : null;
        }

        @Override
        public String toString() {
            return scheme + ":" + name;
        }
    }

    void add(KernelCatalog catalog, Object scheme) {
        if (scheme == null) {
            return; // not usable: no scheme to serve
        }
        bound.add(new Bound(String.valueOf(scheme), catalog));
        arrivals.forEach(Runnable::run);
    }

    void remove(KernelCatalog catalog) {
        bound.removeIf(b -> b.catalog() == catalog);
    }

    /** Calls {@code r} after each catalog arrives. */
    void onArrival(Runnable r) {
        arrivals.add(r);
    }

    void removeArrivalListener(Runnable r) {
        arrivals.remove(r);
    }

    Optional<KernelCatalog> serving(String scheme) {
        for (Bound b : bound) {
            if (b.scheme().equals(scheme)) {
                return Optional.of(b.catalog());
            }
        }
        return Optional.empty();
    }

    /** The schemes served now, for messages. */
    List<String> schemes() {
        return bound.stream().map(Bound::scheme).distinct().sorted().toList();
    }
}
