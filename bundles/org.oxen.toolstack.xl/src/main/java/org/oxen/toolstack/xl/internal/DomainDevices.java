package org.oxen.toolstack.xl.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.cfg.VifSpec;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * A domain's split-driver devices across a save, restore or migration (libxl keeps them in the
 * domain's configuration, which travels with the stream): its disks and vifs as their backend
 * directories say now (hot-plugged ones included), written into the toolstack data and added
 * again for the new domain before it runs, so its frontends find new backends and reconnect.
 * Also the source's part of a migration: releasing the devices of the suspended domain (their
 * backends close their images, as QEMU's source inactivates its disks before the target runs) and
 * adding them again if the migration fails. Stateless.
 */
final class DomainDevices {

    /** How long a backend may take to close or to answer. */
    static final long TIMEOUT_MS = 10_000;

    /** What travels: the disks and vifs. */
    record Devices(List<VbdDevices.Disk> disks, List<VifSpec> vifs) {
        boolean isEmpty() {
            return disks.isEmpty() && vifs.isEmpty();
        }
    }

    private DomainDevices() {
    }

    /** The domain's disks and vifs from their backend directories. */
    static Devices read(Xenstore xenstore, int domid) throws XlError {
        List<VbdDevices.Disk> disks = new ArrayList<>();
        List<VifSpec> vifs = new ArrayList<>();
        if (xenstore == null) return new Devices(disks, vifs);
        try (XenstoreClient xs = xenstore.connect()) {
            for (VbdDevices.Listed l : VbdDevices.list(xs, domid)) {
                String be = VbdDevices.backendPath(domid, l.devid());
                String params = xs.read(be + "/params").orElse("");
                int colon = params.indexOf(':');
                if (colon <= 0) {
                    throw new XlError("Domain " + domid + ": vbd " + l.devid() + "'s backend has params '" + params
                            + "', not format:target");
                }
                boolean cdrom = xs.read(be + "/device-type").map("cdrom"::equals).orElse(false);
                disks.add(new VbdDevices.Disk(l.devid(), xs.read(be + "/dev").orElse(Integer.toString(l.devid())),
                        params.substring(0, colon), params.substring(colon + 1),
                        !xs.read(be + "/mode").orElse("w").startsWith("w"), cdrom,
                        !xs.read(be + "/discard-enable").map("0"::equals).orElse(false),
                        xs.read(be + "/" + VbdDevices.DIRECT_IO_SAFE).map("1"::equals).orElse(false)));
            }
            for (int devid : NetworkDevices.devids(xs, domid)) {
                String be = NetworkDevices.backend(domid, devid);
                long bytes = 0, usecs = 0;
                Optional<String> rate = xs.read(be + "/rate");
                if (rate.isPresent() && rate.get().contains(",")) {
                    String[] r = rate.get().split(",");
                    bytes = Long.parseLong(r[0].trim());
                    usecs = Long.parseLong(r[1].trim());
                }
                vifs.add(new VifSpec(devid, xs.read(be + "/mac").orElse(null),
                        xs.read(be + "/bridge").orElse(VifSpec.DEFAULT_BRIDGE), bytes, usecs,
                        xs.read(be + "/ip").orElse(null),
                        Integer.parseInt(xs.read(be + "/mtu").orElse(Integer.toString(VifSpec.DEFAULT_MTU))),
                        xs.read(be + "/vifname").orElse(null)));
            }
        } catch (XenstoreException | NumberFormatException e) {
            throw new XlError("Domain " + domid + ": reading its devices: " + e.getMessage());
        }
        return new Devices(disks, vifs);
    }

    static void write(DataOutputStream out, Devices d) throws IOException {
        out.writeInt(d.disks().size());
        for (VbdDevices.Disk k : d.disks()) {
            out.writeInt(k.devid());
            out.writeUTF(k.vdev());
            out.writeUTF(k.format());
            out.writeUTF(k.target());
            out.writeBoolean(k.readOnly());
            out.writeBoolean(k.cdrom());
            out.writeBoolean(k.discard());
            out.writeBoolean(k.directIoSafe());
        }
        out.writeInt(d.vifs().size());
        for (VifSpec v : d.vifs()) {
            out.writeInt(v.devid());
            out.writeUTF(v.mac() == null ? "" : v.mac());
            out.writeUTF(v.bridge());
            out.writeLong(v.rateBytesPerInterval());
            out.writeLong(v.rateIntervalUsecs());
            out.writeUTF(v.ip() == null ? "" : v.ip());
            out.writeInt(v.mtu());
            out.writeUTF(v.vifname() == null ? "" : v.vifname());
        }
    }

    /** The devices {@link #write} wrote into toolstack data of {@code version} (disks carry direct-io-safe from 4). */
    static Devices readFrom(DataInputStream in, int version) throws IOException, XlError {
        int n = in.readInt();
        if (n < 0 || n > 256) throw new XlError("the saved file's toolstack data names " + n + " disks");
        List<VbdDevices.Disk> disks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            disks.add(new VbdDevices.Disk(in.readInt(), in.readUTF(), in.readUTF(), in.readUTF(), in.readBoolean(),
                    in.readBoolean(), in.readBoolean(), version >= 4 && in.readBoolean()));
        }
        n = in.readInt();
        if (n < 0 || n > 256) throw new XlError("the saved file's toolstack data names " + n + " vifs");
        List<VifSpec> vifs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int devid = in.readInt();
            String mac = in.readUTF(), bridge = in.readUTF();
            long bytes = in.readLong(), usecs = in.readLong();
            String ip = in.readUTF();
            int mtu = in.readInt();
            String vifname = in.readUTF();
            vifs.add(new VifSpec(devid, mac.isEmpty() ? null : mac, bridge, bytes, usecs, ip.isEmpty() ? null : ip, mtu,
                    vifname.isEmpty() ? null : vifname));
        }
        return new Devices(disks, vifs);
    }

    /**
     * Adds the devices to a new (paused) domain, as xl create does: each disk's backend must
     * answer. On failure what was added is removed again.
     */
    static void add(Xenstore xenstore, int domid, Devices d) throws XlError, InterruptedException {
        if (d.isEmpty()) return;
        if (xenstore == null) throw new XlError("the domain's disks and vifs need xenstored, which is not running");
        try (XenstoreClient xs = xenstore.connect()) {
            for (VbdDevices.Disk k : d.disks()) {
                VbdDevices.add(xs, domid, k);
                if (!VbdDevices.awaitBackend(xs, domid, k.devid(), TIMEOUT_MS)) {
                    throw new XlError("no block backend answered for disk " + k.vdev() + " within " + TIMEOUT_MS / 1000
                            + " s (is org.oxen.io.blkback running?)");
                }
            }
            for (VifSpec v : d.vifs()) NetworkDevices.add(xenstore, domid, v);
        } catch (XenstoreException e) {
            removeAll(xenstore, domid);
            throw new XlError("adding the domain's devices: " + e.getMessage());
        } catch (XlError | InterruptedException e) {
            removeAll(xenstore, domid);
            throw e;
        }
    }

    /**
     * The source's release of a suspended domain's devices before the target runs it: each
     * frontend is marked Closing on the guest's behalf (it is suspended and cannot answer), which
     * makes its backend disconnect (a disk's image is flushed, closed and unlocked) and follow to
     * Closing; then both directories go.
     */
    static void release(Xenstore xenstore, int domid, Devices d) throws XlError, InterruptedException {
        if (d.isEmpty() || xenstore == null) return;
        try (XenstoreClient xs = xenstore.connect()) {
            List<String[]> dirs = new ArrayList<>();
            for (VbdDevices.Disk k : d.disks()) {
                dirs.add(new String[] {VbdDevices.frontendPath(domid, k.devid()), VbdDevices.backendPath(domid, k.devid())});
            }
            for (VifSpec v : d.vifs()) {
                dirs.add(new String[] {NetworkDevices.frontend(domid, v.devid()), NetworkDevices.backend(domid, v.devid())});
            }
            for (String[] fb : dirs) {
                String state = xs.read(fb[1] + "/state").orElse("6");
                if (!state.equals("4")) continue; // not connected: nothing open
                xs.write(fb[0] + "/state", "5");
            }
            long end = System.nanoTime() + TIMEOUT_MS * 1_000_000;
            for (String[] fb : dirs) {
                while (xs.read(fb[1] + "/state").orElse("6").equals("4")) {
                    if (System.nanoTime() > end) {
                        throw new XlError("Domain " + domid + ": the backend " + fb[1] + " did not disconnect within "
                                + TIMEOUT_MS / 1000 + " s");
                    }
                    Thread.sleep(5);
                }
            }
            for (String[] fb : dirs) {
                rm(xs, fb[1]);
                rm(xs, fb[0]);
            }
        } catch (XenstoreException e) {
            throw new XlError("Domain " + domid + ": releasing its devices: " + e.getMessage());
        }
    }

    private static void rm(XenstoreClient xs, String path) throws XenstoreException {
        try {
            xs.rm(path);
        } catch (XenstoreException e) {
            if (!"ENOENT".equals(e.error())) throw e;
        }
    }

    private static void removeAll(Xenstore xenstore, int domid) {
        NetworkDevices.removeAll(xenstore, domid);
        try (XenstoreClient xs = xenstore.connect()) {
            VbdDevices.removeAll(xs, domid);
            rm(xs, "/local/domain/" + domid + "/device");
        } catch (XenstoreException e) {
            // best effort: the domain is destroyed by the caller
        }
    }
}
