package org.oxen.toolstack.xl.internal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.cfg.VifSpec;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * A domain's vifs in xenstore, as libxl writes them (libxl_nic.c, libxl_device.c): the frontend
 * directory {@code /local/domain/<domid>/device/vif/<devid>} (owned by the domain, readable by
 * Domain-0) and the backend directory {@code /local/domain/0/backend/vif/<domid>/<devid>} (owned
 * by Domain-0, readable by the domain), both in state Initialising, in one transaction. Domain-0's
 * xenbus binds the backend directory to netback. Removal is libxl's: backend {@code online=0},
 * {@code state=5} (Closing), wait for the backend to reach Closed, then both directories go
 * (forced after the wait, as libxl does after LIBXL_DESTROY_TIMEOUT). A vif whose frontend never
 * started (Initialising) or has closed is removed at once.
 */
final class NetworkDevices {

    private NetworkDevices() {
    }

    /** libxl's LIBXL_DESTROY_TIMEOUT. */
    static final long DETACH_TIMEOUT_MS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    record Vif(int devid, String mac, String bridge, String state, String eventChannel, String txRingRef,
            String rxRingRef, String backendPath, String backendState) {
    }

    static String frontend(int domid, int devid) {
        return "/local/domain/" + domid + "/device/vif/" + devid;
    }

    static String backend(int domid, int devid) {
        return "/local/domain/0/backend/vif/" + domid + "/" + devid;
    }

    /** libxl__device_nic_setdefault's random MAC: Xen's OUI 00:16:3e, then 7 + 16 random bits. */
    static String randomMac() {
        byte[] r = new byte[3];
        RANDOM.nextBytes(r);
        return String.format("00:16:3e:%02x:%02x:%02x", r[0] & 0x7f, r[1] & 0xff, r[2] & 0xff);
    }

    /** The devid of each vif the domain has now. */
    static List<Integer> devids(XenstoreClient c, int domid) throws XenstoreException {
        List<Integer> ids = new ArrayList<>();
        String dir = "/local/domain/0/backend/vif/" + domid;
        if (c.read(dir).isEmpty()) return ids;
        for (String s : c.directory(dir)) {
            try {
                ids.add(Integer.parseInt(s));
            } catch (NumberFormatException e) {
                // not a device directory
            }
        }
        ids.sort(null);
        return ids;
    }

    /**
     * Writes a vif's two directories (a devid of -1 takes the next free one, a null MAC a random
     * one); returns the spec with both settled.
     *
     * @throws XlError if the devid or the MAC is in use on the domain already
     */
    static VifSpec add(Xenstore store, int domid, VifSpec spec) throws XlError, XenstoreException {
        try (XenstoreClient c = store.connect()) {
            for (int attempt = 0;; attempt++) {
                List<Integer> used = devids(c, domid);
                int devid = spec.devid();
                if (devid < 0) devid = used.isEmpty() ? 0 : used.get(used.size() - 1) + 1;
                if (used.contains(devid)) throw new XlError("vif devid " + devid + " exists already on domain " + domid);
                String mac = spec.mac() != null ? spec.mac() : randomMac();
                for (int d : used) {
                    if (c.read(backend(domid, d) + "/mac").orElse("").equalsIgnoreCase(mac)) {
                        throw new XlError("mac " + mac + " is vif " + d + "'s on domain " + domid + " already");
                    }
                }
                String fe = frontend(domid, devid), be = backend(domid, devid);
                XenstoreTransaction t = c.transaction();
                // each directory's permissions before its nodes, as libxl__device_generic_add does (a
                // node takes its parent's permissions when it is made): the domain owns its frontend
                // directory's nodes and reads the backend's (state, feature-*)
                t.mkdir(fe);
                t.setPermissions(fe, List.of("n" + domid, "r0"));
                t.mkdir(be);
                t.setPermissions(be, List.of("n0", "r" + domid));
                t.write(fe + "/backend", be);
                t.write(fe + "/backend-id", "0");
                t.write(fe + "/state", "1");
                t.write(fe + "/handle", Integer.toString(devid));
                t.write(fe + "/mac", mac);
                t.write(fe + "/mtu", Integer.toString(spec.mtu()));
                t.write(fe + "/trusted", "1");
                t.write(be + "/frontend", fe);
                t.write(be + "/frontend-id", Integer.toString(domid));
                t.write(be + "/online", "1");
                t.write(be + "/state", "1");
                t.write(be + "/script", "vif-bridge");
                t.write(be + "/mac", mac);
                t.write(be + "/bridge", spec.bridge());
                t.write(be + "/handle", Integer.toString(devid));
                t.write(be + "/type", "vif");
                t.write(be + "/mtu", Integer.toString(spec.mtu()));
                t.write(be + "/hotplug-status", "");
                if (spec.ip() != null) t.write(be + "/ip", spec.ip());
                if (spec.vifname() != null) t.write(be + "/vifname", spec.vifname());
                if (spec.rateNode() != null) t.write(be + "/rate", spec.rateNode());
                if (t.commit()) {
                    return new VifSpec(devid, mac, spec.bridge(), spec.rateBytesPerInterval(), spec.rateIntervalUsecs(),
                            spec.ip(), spec.mtu(), spec.vifname());
                }
                if (attempt == 10) throw new XlError("vif of domain " + domid + ": xenstore transaction kept conflicting");
            }
        }
    }

    /**
     * libxl's device removal: Closing, wait up to {@code timeoutMs} for the backend's Closed,
     * then both directories are removed.
     *
     * @return whether the backend reached Closed in time (false: removed by force)
     */
    static boolean remove(Xenstore store, int domid, int devid, long timeoutMs) throws XenstoreException, InterruptedException {
        String be = backend(domid, devid);
        try (XenstoreClient c = store.connect()) {
            if (c.read(be + "/state").isEmpty()) return true;
            String fe = c.read(be + "/frontend").orElse(frontend(domid, devid));
            String feState = c.read(fe + "/state").orElse("0");
            if (feState.equals("0") || feState.equals("1") || feState.equals("6")) {
                // no frontend connected or connecting: nothing to close, the directories just go
                XenstorePathCleanup.remove(c, be);
                XenstorePathCleanup.remove(c, fe);
                return true;
            }
            XenstoreTransaction t = c.transaction();
            t.write(be + "/online", "0");
            t.write(be + "/state", "5");
            t.commit();
            long end = System.nanoTime() + timeoutMs * 1_000_000;
            boolean closed = false;
            while (System.nanoTime() < end) {
                Optional<String> s = c.read(be + "/state");
                if (s.isEmpty() || s.get().equals("6")) {
                    closed = true;
                    break;
                }
                Thread.sleep(5);
            }
            XenstorePathCleanup.remove(c, be);
            try {
                XenstorePathCleanup.remove(c, frontend(domid, devid));
            } catch (XenstoreException e) {
                // the domain's directory may be gone with the domain
            }
            return closed;
        }
    }

    /** Removes every vif directory of a domain that is gone (no frontend left to close them). */
    static void removeAll(Xenstore store, int domid) {
        try (XenstoreClient c = store.connect()) {
            XenstorePathCleanup.remove(c, "/local/domain/0/backend/vif/" + domid);
        } catch (XenstoreException e) {
            // nothing to remove
        }
    }

    /** The domain's vifs as xl network-list shows them. */
    static List<Vif> list(Xenstore store, int domid) throws XenstoreException {
        List<Vif> vifs = new ArrayList<>();
        try (XenstoreClient c = store.connect()) {
            for (int devid : devids(c, domid)) {
                String fe = frontend(domid, devid), be = backend(domid, devid);
                vifs.add(new Vif(devid, c.read(be + "/mac").orElse("-"), c.read(be + "/bridge").orElse("-"),
                        c.read(fe + "/state").orElse("-"), c.read(fe + "/event-channel").orElse("-1"),
                        c.read(fe + "/tx-ring-ref").orElse("-1"), c.read(fe + "/rx-ring-ref").orElse("-1"), be,
                        c.read(be + "/state").orElse("-")));
            }
        }
        return vifs;
    }
}
