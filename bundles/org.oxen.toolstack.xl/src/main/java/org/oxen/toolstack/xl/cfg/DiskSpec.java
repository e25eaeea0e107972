package org.oxen.toolstack.xl.cfg;

import java.util.Objects;

/**
 * One disk of a domain, from an xl DISKSPEC (xl-disk-configuration(5)): the {@code disk = [...]}
 * entries of xl.cfg and the operands of {@code xl block-attach} (1.3).
 *
 * @param target the image file as written (resolved by the toolstack)
 * @param format {@code raw} (the default) or another qemu-img format name
 * @param vdev the virtual device as the guest sees it ({@code xvda}, {@code hdc}, {@code sdb1}, ...)
 * @param devid the device number the vdev stands for (xen-vbd-interface(7)), the xenstore key
 * @param readOnly {@code access} ro/r (the default for a cdrom)
 * @param cdrom {@code devtype=cdrom} (or the {@code cdrom} flag)
 * @param discard whether the backend may offer discard ({@code no-discard} turns it off)
 * @param directIoSafe xl's {@code direct-io-safe} flag: the backend may bypass the host's page cache
 *     ({@code O_DIRECT}; QEMU's {@code cache=none}), as oxen's blkback does for raw images
 */
public record DiskSpec(String target, String format, String vdev, int devid, boolean readOnly, boolean cdrom,
        boolean discard, boolean directIoSafe) {

    /** A disk through the host's page cache (no {@code direct-io-safe}). */
    public DiskSpec(String target, String format, String vdev, int devid, boolean readOnly, boolean cdrom, boolean discard) {
        this(target, format, vdev, devid, readOnly, cdrom, discard, false);
    }

    public DiskSpec {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(vdev, "vdev");
    }

    /** The spec in xl's canonical key=value form (block-list, dry runs). */
    public String canonical() {
        return "format=" + format + ", vdev=" + vdev + ", access=" + (readOnly ? "ro" : "rw")
                + (cdrom ? ", devtype=cdrom" : "") + (discard ? "" : ", no-discard")
                + (directIoSafe ? ", direct-io-safe" : "") + ", target=" + target;
    }
}
