package org.oxen.io.xenbus.internal;

import java.util.function.Supplier;

import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.trace.HypervisorTrace;
import org.oxen.vmm.api.backend.XenbusState;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * One backend directory xenbus found, and the backend bound to it. Confined to the xenbus
 * thread, except {@link #state()} (volatile), which a backend may read from anywhere, and
 * {@link #switchState}, which a backend may also call from its own threads (netback's fatal
 * disconnect goes Closing from the vif's thread): the state node and its cached copy change
 * together under this object's monitor, so a slower writer can never leave the copy behind the
 * node (a frontend answering the node at once made xenbus write Closed, then the vif thread's
 * late copy said Closing, and the backend ignored the frontend's reconnect).
 */
final class Device implements BackendDevice {

    private final String type;
    private final int frontendDomid;
    private final int devid;
    private final String backendPath;
    private final String frontendPath;
    private final XenstoreClient xs;
    private final Supplier<GrantTables> grants;
    private final Dom0EventChannels events;
    private final Supplier<HypervisorTrace> trace;
    private volatile XenbusState state = XenbusState.UNKNOWN;
    private AutoCloseable watch;
    BackendFactory factory;
    Backend backend;
    /** Closed by a swap: the next backend binds when the frontend has followed. */
    boolean reconnectPending;

    Device(String type, int frontendDomid, int devid, String backendPath, String frontendPath, XenstoreClient xs,
            Supplier<GrantTables> grants, Dom0EventChannels events, Supplier<HypervisorTrace> trace) {
        this.type = type;
        this.frontendDomid = frontendDomid;
        this.devid = devid;
        this.backendPath = backendPath;
        this.frontendPath = frontendPath;
        this.xs = xs;
        this.grants = grants;
        this.events = events;
        this.trace = trace;
    }

    void watchFrontend(Runnable changed) throws XenstoreException {
        watch = xs.watch(frontendPath + "/state", backendPath, (p, t) -> changed.run());
    }

    void unwatch() {
        try {
            if (watch != null) watch.close();
        } catch (Exception e) {
            // closing a watch does not fail
        }
    }

    XenbusState frontendState() throws XenstoreException {
        return XenbusState.parse(xs.read(frontendPath + "/state").orElse("0"));
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public int frontendDomid() {
        return frontendDomid;
    }

    @Override
    public int devid() {
        return devid;
    }

    @Override
    public String backendPath() {
        return backendPath;
    }

    @Override
    public String frontendPath() {
        return frontendPath;
    }

    @Override
    public XenbusState state() {
        return state;
    }

    @Override
    public synchronized void switchState(XenbusState s) throws XenstoreException {
        xs.write(backendPath + "/state", Integer.toString(s.value()));
        state = s;
    }

    @Override
    public XenstoreClient xenstore() {
        return xs;
    }

    /** @throws IllegalStateException while no grant-table service is present */
    @Override
    public GrantTables grants() {
        GrantTables g = grants.get();
        if (g == null) throw new IllegalStateException("no GrantTables service: grant tables are not available");
        return g;
    }

    @Override
    public Dom0EventChannels eventChannels() {
        return events;
    }

    @Override
    public HypervisorTrace trace() {
        return trace.get();
    }
}
