package org.oxen.io.xenbus.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.trace.HypervisorTrace;
import org.oxen.vmm.api.backend.XenbusState;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * xenbus's backend side (Linux's xenbus_probe_backend): watches /local/domain/0/backend; each
 * device directory {@code <type>/<domU>/<devid>} the toolstack creates is bound to the
 * best-ranked {@link BackendFactory} of its type (service.ranking, then the older service), and
 * its frontend's {@code state} node is watched and handed to the {@link Backend}. When the
 * factory serving a type leaves, or a better-ranked one arrives, each device of the type is
 * swapped: Closing, {@link Backend#close()}, Closed, then the next factory's backend (if any)
 * reconnects it as the frontend comes back (Initialising → InitWait → Connected). A device
 * directory that goes away closes its backend.
 *
 * <p>Design/Locking: every reaction (watch events, factory arrivals and departures) runs on one
 * xenbus thread, so backends see one call at a time and the device table needs no lock;
 * factory bind/unbind (DS threads) only post to it, and unbind waits for its swap to finish so a
 * leaving factory's backends are closed before its bundle goes.
 */
@Component(immediate = true)
public final class XenbusBackends {

    static final String BACKEND_ROOT = "/local/domain/0/backend";

    private record Ranked(BackendFactory factory, String type, int ranking, long serviceId) {
    }

    private final XenstoreClient xs;
    private final Dom0EventChannels events;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "xenbus");
        t.setDaemon(true);
        return t;
    });
    /** By type, best first. xenbus thread only. */
    private final Map<String, List<Ranked>> factories = new HashMap<>();
    /** By backend path. xenbus thread only. */
    private final Map<String, Device> devices = new HashMap<>();
    private volatile GrantTables grants;
    private volatile HypervisorTrace trace;
    private AutoCloseable rootWatch;
    /** Set on the xenbus thread at deactivation: work queued before then finds nothing to do. */
    private boolean deactivated;

    @Activate
    public XenbusBackends(@Reference Xenstore xenstore, @Reference Dom0EventChannels events) throws XenstoreException {
        this.xs = xenstore.connect();
        this.events = events;
        xs.mkdir(BACKEND_ROOT);
        rootWatch = xs.watch(BACKEND_ROOT, "xenbus", (path, token) -> thread.execute(this::rescan));
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetGrants")
    public void setGrants(GrantTables g) {
        grants = g;
    }

    public void unsetGrants(GrantTables g) {
        if (grants == g) grants = null;
    }

    /** The hypervisor's trace buffers, which devices give their backends' trace points. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetTrace")
    public void setTrace(HypervisorTrace t) {
        trace = t;
    }

    public void unsetTrace(HypervisorTrace t) {
        if (trace == t) trace = null;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeFactory")
    public void addFactory(BackendFactory f, Map<String, Object> props) {
        Object type = props.get(BackendFactory.DEVICE_TYPE);
        if (!(type instanceof String t) || t.isEmpty()) {
            System.err.println("xenbus: backend factory " + f + " has no " + BackendFactory.DEVICE_TYPE
                    + " property: ignored");
            return;
        }
        int ranking = props.get("service.ranking") instanceof Integer r ? r : 0;
        long id = props.get("service.id") instanceof Long l ? l : 0;
        if (thread.isShutdown()) return; // DS unbinding after deactivation
        await(() -> {
            if (deactivated) return null;
            List<Ranked> l = factories.computeIfAbsent(t, k -> new ArrayList<>());
            l.add(new Ranked(f, t, ranking, id));
            l.sort(Comparator.comparingInt(Ranked::ranking).reversed().thenComparingLong(Ranked::serviceId));
            rebind(t);
            rescan();
            return null;
        });
    }

    public void removeFactory(BackendFactory f) {
        if (thread.isShutdown()) return; // DS unbinding after deactivation
        await(() -> {
            for (Map.Entry<String, List<Ranked>> e : factories.entrySet()) {
                if (e.getValue().removeIf(r -> r.factory == f)) rebind(e.getKey());
            }
            return null;
        });
    }

    /** Runs on the xenbus thread and waits for it (DS calls; tests). */
    private <T> T await(Supplier<T> work) {
        try {
            return thread.submit(work::get).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("xenbus: " + e, e);
        }
    }

    private Optional<BackendFactory> best(String type) {
        List<Ranked> l = factories.get(type);
        return l == null || l.isEmpty() ? Optional.empty() : Optional.of(l.get(0).factory);
    }

    /** Devices of {@code type} whose factory is no longer the best get swapped. */
    private void rebind(String type) {
        Optional<BackendFactory> want = best(type);
        for (Device d : new ArrayList<>(devices.values())) {
            if (!d.type().equals(type) || (d.factory != null && want.isPresent() && d.factory == want.get())) continue;
            if (d.factory != null) unbind(d);
            want.ifPresent(f -> bindAfterClose(d, f));
        }
    }

    /**
     * After a swap's Closing/Closed, the next backend binds once the frontend has followed
     * (left Initialised/Connected/Closing): a backend bound while the frontend still shows its
     * old connection would take that for a new one.
     */
    private void bindAfterClose(Device d, BackendFactory f) {
        XenbusState fe;
        try {
            fe = d.frontendState();
        } catch (XenstoreException | IllegalArgumentException e) {
            fe = XenbusState.UNKNOWN;
        }
        if (fe == XenbusState.INITIALISED || fe == XenbusState.CONNECTED || fe == XenbusState.CLOSING) {
            d.reconnectPending = true; // frontendChanged binds when the frontend moves on
        } else {
            d.reconnectPending = false;
            bind(d, f);
        }
    }

    /** Finds new device directories and ones that went. */
    private void rescan() {
        if (deactivated) return;
        List<String> seen = new ArrayList<>();
        try {
            for (String type : xs.directory(BACKEND_ROOT)) {
                for (String domU : xs.directory(BACKEND_ROOT + "/" + type)) {
                    for (String devid : xs.directory(BACKEND_ROOT + "/" + type + "/" + domU)) {
                        String path = BACKEND_ROOT + "/" + type + "/" + domU + "/" + devid;
                        seen.add(path);
                        if (!devices.containsKey(path)) discover(type, domU, devid, path);
                    }
                }
            }
        } catch (XenstoreException e) {
            // a directory removed while scanning: the removal's own event rescans
        }
        for (Device d : new ArrayList<>(devices.values())) {
            if (!seen.contains(d.backendPath())) {
                // the toolstack removed the device: close its backend, write nothing (a state
                // write would bring the directory back)
                if (d.backend != null) {
                    try {
                        d.backend.close();
                    } catch (RuntimeException e) {
                        System.err.println("xenbus: " + d.backendPath() + ": closing its backend failed: " + e);
                    }
                }
                d.backend = null;
                d.factory = null;
                d.unwatch();
                devices.remove(d.backendPath());
            }
        }
    }

    private void discover(String type, String domU, String devid, String path) {
        int frontendDomid, id;
        try {
            frontendDomid = Integer.parseInt(domU);
            id = Integer.parseInt(devid);
        } catch (NumberFormatException e) {
            return; // not a device directory
        }
        Optional<String> frontend;
        try {
            frontend = xs.read(path + "/frontend");
        } catch (XenstoreException e) {
            return;
        }
        if (frontend.isEmpty()) return; // the toolstack is still writing it: its next write rescans
        Device d = new Device(type, frontendDomid, id, path, frontend.get(), xs, () -> grants, events, () -> trace);
        devices.put(path, d);
        try {
            d.watchFrontend(() -> thread.execute(() -> frontendChanged(d)));
        } catch (XenstoreException e) {
            System.err.println("xenbus: " + path + ": cannot watch " + frontend.get() + "/state: " + e.getMessage());
        }
        best(type).ifPresent(f -> bind(d, f));
    }

    private void bind(Device d, BackendFactory f) {
        try {
            d.factory = f;
            d.backend = f.create(d);
            frontendChanged(d);
        } catch (Exception e) {
            System.err.println("xenbus: " + d.backendPath() + ": backend of " + f + " failed: " + e);
            d.factory = null;
            d.backend = null;
        }
    }

    /** Closing, close, Closed (the swap's first half). */
    private void unbind(Device d) {
        try {
            d.switchState(XenbusState.CLOSING);
        } catch (XenstoreException e) {
            // the directory is going
        }
        try {
            if (d.backend != null) d.backend.close();
        } catch (RuntimeException e) {
            System.err.println("xenbus: " + d.backendPath() + ": closing its backend failed: " + e);
        }
        try {
            d.switchState(XenbusState.CLOSED);
        } catch (XenstoreException e) {
            // the directory is going
        }
        d.backend = null;
        d.factory = null;
        d.reconnectPending = true;
    }

    private void frontendChanged(Device d) {
        if (deactivated || !devices.containsKey(d.backendPath())) return;
        if (d.backend == null) {
            if (d.reconnectPending) best(d.type()).ifPresent(f -> bindAfterClose(d, f));
            return;
        }
        XenbusState s;
        try {
            s = d.frontendState();
        } catch (XenstoreException | IllegalArgumentException e) {
            System.err.println("xenbus: " + d.frontendPath() + "/state: " + e.getMessage());
            return;
        }
        try {
            d.backend.frontendChanged(s);
        } catch (RuntimeException e) {
            System.err.println("xenbus: " + d.backendPath() + ": " + e.getMessage());
        }
    }

    /** The devices bound now, by backend path, with their factory (tests). */
    public Map<String, BackendFactory> bound() {
        return await(() -> {
            Map<String, BackendFactory> m = new HashMap<>();
            devices.forEach((p, d) -> {
                if (d.factory != null) m.put(p, d.factory);
            });
            return m;
        });
    }

    @Deactivate
    public void deactivate() {
        await(() -> {
            deactivated = true;
            for (Device d : devices.values()) {
                if (d.factory != null) unbind(d);
                d.unwatch();
            }
            devices.clear();
            factories.clear();
            return null;
        });
        try {
            rootWatch.close();
        } catch (Exception e) {
            // closing a watch does not fail
        }
        thread.shutdown();
        xs.close();
    }
}
