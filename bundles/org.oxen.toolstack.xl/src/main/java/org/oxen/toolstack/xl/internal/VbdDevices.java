package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * The xenstore nodes of a virtual block device as libxl writes them (libxl_disk.c
 * device_disk_add with libxl__device_generic_add), in one transaction, both directories at
 * state 1 (Initialising):
 * <ul>
 * <li>frontend {@code /local/domain/<domU>/device/vbd/<devid>} (owner the domain, Domain-0 may
 *     read): {@code backend}, {@code backend-id}, {@code state}, {@code virtual-device},
 *     {@code device-type}, {@code trusted};</li>
 * <li>backend {@code /local/domain/0/backend/vbd/<domU>/<devid>} (owner Domain-0, the domain may
 *     read): {@code frontend}, {@code frontend-id}, {@code online}, {@code state},
 *     {@code params}, {@code type}, {@code mode}, {@code dev}, {@code removable},
 *     {@code bootable}, {@code device-type}, {@code discard-enable}, and {@code direct-io-safe}
 *     for a disk with that flag.</li>
 * </ul>
 * {@code params} is {@code <format>:<target>} as for libxl's qdisk backend; {@code type} names
 * the backend kind, {@code qdisk}. Removal is libxl's (libxl__initiate_device_generic_remove):
 * {@code online = 0} and state Closing in the backend, a wait for the device to close, then both
 * directories removed (which also closes a backend whose frontend never answered).
 */
public final class VbdDevices {

    private VbdDevices() {
    }

    /**
     * The backend node libxl writes ({@code "1"}) for a disk with xl's {@code direct-io-safe} flag:
     * the backend may open the image with {@code O_DIRECT} (blkback does for raw images).
     */
    public static final String DIRECT_IO_SAFE = "direct-io-safe";

    /** What the toolstack knows of a disk when it adds it. */
    public record Disk(int devid, String vdev, String format, String target, boolean readOnly, boolean cdrom,
            boolean discard, boolean directIoSafe) {
        /** A disk whose backend may offer discard (xl's default), through the page cache. */
        public Disk(int devid, String vdev, String format, String target, boolean readOnly, boolean cdrom) {
            this(devid, vdev, format, target, readOnly, cdrom, true, false);
        }

        /** A disk through the page cache (no {@code direct-io-safe}). */
        public Disk(int devid, String vdev, String format, String target, boolean readOnly, boolean cdrom, boolean discard) {
            this(devid, vdev, format, target, readOnly, cdrom, discard, false);
        }
    }

    public static String frontendPath(int domid, int devid) {
        return "/local/domain/" + domid + "/device/vbd/" + devid;
    }

    public static String backendPath(int domid, int devid) {
        return "/local/domain/0/backend/vbd/" + domid + "/" + devid;
    }

    /** {@code disk} of a parsed DISKSPEC, its target resolved. */
    static Disk of(org.oxen.toolstack.xl.cfg.DiskSpec d) {
        return new Disk(d.devid(), d.vdev(), d.format(), d.target(), d.readOnly(), d.cdrom(), d.discard(), d.directIoSafe());
    }

    /** Writes both directories of {@code disk} for domain {@code domid} (retrying on EAGAIN). */
    public static void add(XenstoreClient xs, int domid, Disk disk) throws XenstoreException {
        String fe = frontendPath(domid, disk.devid());
        String be = backendPath(domid, disk.devid());
        String devtype = disk.cdrom() ? "cdrom" : "disk";
        for (;;) {
            try (XenstoreTransaction t = xs.transaction()) {
                if (t.read(fe + "/backend").isPresent() || t.read(be + "/frontend").isPresent()) {
                    throw new XenstoreException("EEXIST", "domain " + domid + " already has vbd " + disk.devid());
                }
                // each directory's permissions before its nodes, as libxl__device_generic_add does:
                // a node takes its parent's permissions when it is made, so the frontend can read
                // the backend's state, sectors and features, and the backend the frontend's keys
                t.mkdir(fe);
                t.setPermissions(fe, List.of("n" + domid, "r0"));
                t.mkdir(be);
                t.setPermissions(be, List.of("n0", "r" + domid));
                t.write(fe + "/backend", be);
                t.write(fe + "/backend-id", "0");
                t.write(fe + "/state", "1");
                t.write(fe + "/virtual-device", Integer.toString(disk.devid()));
                t.write(fe + "/device-type", devtype);
                t.write(fe + "/trusted", "1");
                t.write(be + "/frontend", fe);
                t.write(be + "/frontend-id", Integer.toString(domid));
                t.write(be + "/online", "1");
                t.write(be + "/state", "1");
                t.write(be + "/params", disk.format() + ":" + disk.target());
                t.write(be + "/type", "qdisk");
                t.write(be + "/mode", disk.readOnly() ? "r" : "w");
                t.write(be + "/dev", disk.vdev());
                t.write(be + "/removable", disk.cdrom() ? "1" : "0");
                t.write(be + "/bootable", "1");
                t.write(be + "/device-type", devtype);
                t.write(be + "/discard-enable", disk.discard() && !disk.readOnly() ? "1" : "0");
                if (disk.directIoSafe()) t.write(be + "/" + DIRECT_IO_SAFE, "1"); // libxl writes it only when set
                if (t.commit()) return;
            }
        }
    }

    /** What xl block-list shows of one device (-1 for a node the frontend has not written). */
    record Listed(int devid, int backendId, int domid, int state, int evtchn, int ringRef, String backendPath) {
    }

    /** The domain's vbds, by device id. */
    static List<Listed> list(XenstoreClient xs, int domid) throws XenstoreException {
        List<Listed> l = new ArrayList<>();
        String dir = "/local/domain/" + domid + "/device/vbd";
        List<String> ids;
        try {
            ids = xs.directory(dir);
        } catch (XenstoreException e) {
            return l; // no vbd directory: no disks
        }
        for (String id : ids) {
            int devid;
            try {
                devid = Integer.parseInt(id);
            } catch (NumberFormatException e) {
                continue;
            }
            String fe = dir + "/" + id;
            l.add(new Listed(devid, number(xs.read(fe + "/backend-id"), 0), domid, number(xs.read(fe + "/state"), -1),
                    number(xs.read(fe + "/event-channel"), -1), number(xs.read(fe + "/ring-ref"), -1),
                    xs.read(fe + "/backend").orElse("")));
        }
        l.sort(java.util.Comparator.comparingInt(Listed::devid));
        return l;
    }

    private static int number(Optional<String> v, int dflt) {
        try {
            return v.map(Integer::parseInt).orElse(dflt);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /**
     * Waits up to {@code millis} for the backend of a device just added to answer (InitWait or
     * later, as libxl waits for its hotplug): false if it did not.
     */
    static boolean awaitBackend(XenstoreClient xs, int domid, int devid, long millis)
            throws XenstoreException, InterruptedException {
        String state = backendPath(domid, devid) + "/state";
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (;;) {
            int s = number(xs.read(state), 0);
            if (s >= 2) return true;
            if (System.nanoTime() - end > 0) return false;
            Thread.sleep(5);
        }
    }

    /**
     * Asks device {@code devid} of {@code domid} to close ({@code online = 0}, backend Closing) and
     * waits up to {@code millis} for the backend or the frontend to reach Closed.
     *
     * @return whether it closed in time
     */
    public static boolean closes(XenstoreClient xs, int domid, int devid, long millis)
            throws XenstoreException, InterruptedException {
        String be = backendPath(domid, devid);
        String fe = frontendPath(domid, devid);
        xs.write(be + "/online", "0");
        xs.write(be + "/state", "5");
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (;;) {
            if (number(xs.read(be + "/state"), 6) == 6 || number(xs.read(fe + "/state"), 6) == 6) return true;
            if (System.nanoTime() - end > 0) return false;
            Thread.sleep(5);
        }
    }

    /** Removes both directories of device {@code devid} of {@code domid} (closing its backend, if bound). */
    public static void remove(XenstoreClient xs, int domid, int devid) throws XenstoreException {
        XenstorePathCleanup.remove(xs, backendPath(domid, devid));
        XenstorePathCleanup.remove(xs, frontendPath(domid, devid));
    }

    /** The domain is gone: its backend directories go too, and parents left empty (libxl__devices_destroy). */
    static void removeAll(XenstoreClient xs, int domid) {
        try {
            XenstorePathCleanup.remove(xs, "/local/domain/0/backend/vbd/" + domid);
        } catch (XenstoreException e) {
            // none
        }
    }
}
