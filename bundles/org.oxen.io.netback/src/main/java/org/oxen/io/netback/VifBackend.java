package org.oxen.io.netback;

import java.util.Optional;
import java.util.function.LongSupplier;

import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.MacAddress;
import org.oxen.io.vswitch.VirtualSwitches;
import org.oxen.io.xenbus.AbstractBackend;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.XenbusState;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * The backend of one vif (Linux xen-netback's xenbus.c): publishes the features at probe
 * (feature-sg, feature-rx-copy, no rx-flip, no GSO, one queue, one event channel) and, as the
 * vif-bridge hotplug script would, {@code hotplug-status=connected}; on connect reads the
 * frontend's {@code tx-ring-ref}, {@code rx-ring-ref}, {@code event-channel} and
 * {@code request-rx-copy} (which must be 1, as Linux netback requires), its {@code feature-sg}
 * and {@code feature-no-csum-offload} (read_xenbus_vif_flags), the toolstack's
 * {@code mac}, {@code bridge} and {@code rate}, maps both rings and starts a {@link Vif}
 * attached to the bridge as port {@code vif<domid>.<devid>}.
 *
 * <p>A frontend the vif finds hostile is disconnected: the vif stops at once, the reason goes to
 * the backend's {@code error} node (xenbus_dev_fatal) and stderr, and the backend goes Closing;
 * it serves again only after the frontend has gone through Closed and Initialising.
 *
 * <p>Locking: xenbus calls one method at a time; {@link #fatal} comes from the vif's thread, so
 * the current vif is swapped under the backend's monitor.
 */
final class VifBackend extends AbstractBackend implements Vif.Owner {

    private final VirtualSwitches switches;
    private final LongSupplier clock;
    private final NetbackStats stats;
    private final VifCounters counters = new VifCounters();
    private Vif vif;

    VifBackend(BackendDevice device, VirtualSwitches switches, LongSupplier clock, NetbackStats stats) {
        super(device);
        this.switches = switches;
        this.clock = clock;
        this.stats = stats;
    }

    /** The device's figures, kept across the frontend's reconnects (Linux's vif net device's). */
    VifCounters counters() {
        return counters;
    }

    BackendDevice device() {
        return device;
    }

    @Override
    public void close() {
        super.close();
        stats.removed(this);
    }

    String vifName() {
        return "vif" + device.frontendDomid() + "." + device.devid();
    }

    @Override
    protected void publish() throws XenstoreException {
        XenstoreClient xs = device.xenstore();
        String be = device.backendPath();
        xs.write(be + "/feature-sg", "1");
        xs.write(be + "/feature-rx-copy", "1");
        xs.write(be + "/feature-rx-flip", "0");
        xs.write(be + "/feature-gso-tcpv4", "0");
        xs.write(be + "/feature-gso-tcpv6", "0");
        xs.write(be + "/feature-ipv6-csum-offload", "0");
        xs.write(be + "/feature-split-event-channels", "0");
        xs.write(be + "/feature-multicast-control", "0");
        // what the vif-bridge hotplug script writes once the vif is on its bridge
        xs.write(be + "/hotplug-status", "connected");
    }

    private String frontendKey(String key) throws XenstoreException {
        return device.xenstore().read(device.frontendPath() + "/" + key)
                .orElseThrow(() -> new XenstoreException("ENOENT", device.frontendPath() + "/" + key + " is missing"));
    }

    private static int number(String path, String value) throws XenstoreException {
        try {
            return Integer.parseUnsignedInt(value.trim());
        } catch (NumberFormatException e) {
            throw new XenstoreException("EINVAL", path + " = '" + value + "': expected a number");
        }
    }

    /** A frontend's 0/1 feature node (absent is 0, as xenbus_read_unsigned's default). */
    private static boolean flag(XenstoreClient xs, String path) throws XenstoreException {
        Optional<String> v = xs.read(path);
        return v.isPresent() && !v.get().isEmpty() && number(path, v.get()) != 0;
    }

    @Override
    protected void connect() throws Exception {
        XenstoreClient xs = device.xenstore();
        String fe = device.frontendPath();
        String be = device.backendPath();
        int txRef = number(fe + "/tx-ring-ref", frontendKey("tx-ring-ref"));
        int rxRef = number(fe + "/rx-ring-ref", frontendKey("rx-ring-ref"));
        Optional<String> evtchn = xs.read(fe + "/event-channel");
        if (evtchn.isEmpty()) {
            throw new XenstoreException("ENOENT", fe + "/event-channel is missing (split event channels are not offered)");
        }
        int port = number(fe + "/event-channel", evtchn.get());
        String rxCopy = xs.read(fe + "/request-rx-copy").orElse("0");
        if (!rxCopy.trim().equals("1")) {
            throw new XenstoreException("EOPNOTSUPP", fe + "/request-rx-copy = '" + rxCopy
                    + "': this backend delivers by grant copy only (feature-rx-copy); page flipping is obsolete");
        }
        // read_xenbus_vif_flags: scatter-gather (frames over a page) and checksum offload
        boolean sg = flag(xs, fe + "/feature-sg");
        boolean csumOffload = !flag(xs, fe + "/feature-no-csum-offload");
        long mac = 0;
        Optional<String> macNode = xs.read(be + "/mac");
        if (macNode.isPresent() && !macNode.get().isEmpty()) {
            try {
                mac = MacAddress.parse(macNode.get());
            } catch (IllegalArgumentException e) {
                throw new XenstoreException("EINVAL", be + "/mac: " + e.getMessage());
            }
        }
        String bridgeName = xs.read(be + "/bridge").filter(s -> !s.isEmpty()).orElse(VirtualSwitches.DEFAULT_BRIDGE);
        Bridge bridge;
        try {
            bridge = switches.bridge(bridgeName);
        } catch (IllegalArgumentException e) {
            throw new XenstoreException("EINVAL", be + "/bridge: " + e.getMessage());
        }
        CreditLimiter credit;
        try {
            long[] rate = CreditLimiter.parseRateNode(xs.read(be + "/rate").orElse(""));
            credit = rate[0] == 0 ? CreditLimiter.unlimited()
                    : new CreditLimiter(rate[0], rate[1] * 1000, clock.getAsLong());
        } catch (IllegalArgumentException e) {
            throw new XenstoreException("EINVAL", be + "/rate: " + e.getMessage());
        }
        GrantMapping txMap = device.grants().map(device.frontendDomid(), txRef, false);
        GrantMapping rxMap;
        try {
            rxMap = device.grants().map(device.frontendDomid(), rxRef, false);
        } catch (Exception e) {
            txMap.close();
            throw e;
        }
        Vif v = new Vif(vifName(), device.frontendDomid(), device.devid(), device.grants(), device.trace(), txMap, rxMap,
                mac, sg, csumOffload, credit, clock, this, counters);
        try {
            v.start(device.eventChannels(), port, bridge);
        } catch (Exception e) {
            v.stop();
            throw e;
        }
        synchronized (this) {
            vif = v;
        }
        stats.connected(this, v);
    }

    @Override
    protected void disconnect() {
        Vif v;
        synchronized (this) {
            v = vif;
            vif = null;
        }
        if (v != null) {
            v.stop();
            stats.disconnected(this, v);
        }
    }

    @Override
    public void fatal(Vif v, String why) {
        synchronized (this) {
            if (vif != v) return;
            vif = null;
        }
        v.stop();
        String be = device.backendPath();
        System.err.println("netback: " + v.name() + ": " + why + "; disconnecting the frontend");
        try {
            device.xenstore().write(be + "/error", why); // xenbus_dev_fatal's record
            device.switchState(XenbusState.CLOSING);
        } catch (XenstoreException e) {
            System.err.println("netback: " + v.name() + ": writing Closing: " + e.getMessage());
        }
        stats.fatal(this, v, why);
    }

    synchronized Vif vif() {
        return vif;
    }
}
