package org.oxen.io.blkback;

import java.util.List;

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
 *     {@code bootable}, {@code device-type}, {@code discard-enable}.</li>
 * </ul>
 * {@code params} is {@code <format>:<target>} as for libxl's qdisk backend; {@code type} names
 * the backend kind, {@code qdisk}.
 */
public final class VbdNodes {

    private VbdNodes() {
    }

    /** What the toolstack knows of a disk when it adds it. */
    public record Disk(int devid, String vdev, String format, String target, boolean readOnly, boolean cdrom) {
    }

    public static String frontendPath(int domid, int devid) {
        return "/local/domain/" + domid + "/device/vbd/" + devid;
    }

    public static String backendPath(int domid, int devid) {
        return "/local/domain/0/backend/vbd/" + domid + "/" + devid;
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
                t.write(fe + "/backend", be);
                t.write(fe + "/backend-id", "0");
                t.write(fe + "/state", "1");
                t.write(fe + "/virtual-device", Integer.toString(disk.devid()));
                t.write(fe + "/device-type", devtype);
                t.write(fe + "/trusted", "1");
                t.setPermissions(fe, List.of("n" + domid, "r0"));
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
                t.write(be + "/discard-enable", disk.readOnly() ? "0" : "1");
                t.setPermissions(be, List.of("n0", "r" + domid));
                if (t.commit()) return;
            }
        }
    }
}
