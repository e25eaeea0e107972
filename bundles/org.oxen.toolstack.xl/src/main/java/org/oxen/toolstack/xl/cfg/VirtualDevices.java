package org.oxen.toolstack.xl.cfg;

/**
 * Virtual device names to device numbers, as xen-vbd-interface(7) defines them and libxl
 * (libxl__device_disk_dev_number) computes them: {@code xvd<disk>[<partition>]} is
 * {@code 202<<8 | disk<<4 | partition} for disks below 16 and partitions below 16, else the
 * extended {@code 1<<28 | disk<<8 | partition}; {@code hd[a-d]} the IDE majors 3 and 22
 * ({@code disk<<6}, partitions below 64); {@code sd[a-p]} major 8 ({@code disk<<4}, partitions
 * below 16); {@code d<disk>[p<partition>]} the extended form; a bare number is the device number
 * itself. Disk letters count a..z, then aa.. (bijective base 26).
 */
public final class VirtualDevices {

    private VirtualDevices() {
    }

    /** The device number of {@code vdev}; {@link IllegalArgumentException} says why not. */
    public static int devid(String vdev) {
        if (vdev.matches("[0-9]+")) {
            try {
                int n = Integer.parseInt(vdev);
                if (n > 0) return n;
            } catch (NumberFormatException e) {
                // too large: below
            }
            throw new IllegalArgumentException("vdev '" + vdev + "' is not a device number (1.." + Integer.MAX_VALUE + ")");
        }
        java.util.regex.Matcher m;
        if ((m = java.util.regex.Pattern.compile("d([0-9]+)(?:p([0-9]+))?").matcher(vdev)).matches()) {
            return extended(vdev, Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
        }
        if ((m = java.util.regex.Pattern.compile("(xvd|hd|sd)([a-z]+)([0-9]*)").matcher(vdev)).matches()) {
            int disk = letters(vdev, m.group(2));
            int part = m.group(3).isEmpty() ? 0 : Integer.parseInt(m.group(3));
            switch (m.group(1)) {
                case "xvd" -> {
                    if (disk < 16 && part < 16) return 202 << 8 | disk << 4 | part;
                    return extended(vdev, disk, part);
                }
                case "hd" -> {
                    if (disk >= 4 || part >= 64) {
                        throw new IllegalArgumentException("vdev '" + vdev + "': oxen knows IDE disks hda..hdd, partitions below 64");
                    }
                    return (disk < 2 ? 3 : 22) << 8 | (disk & 1) << 6 | part;
                }
                default -> {
                    if (disk >= 16 || part >= 16) {
                        throw new IllegalArgumentException("vdev '" + vdev + "': SCSI disks are sda..sdp, partitions below 16");
                    }
                    return 8 << 8 | disk << 4 | part;
                }
            }
        }
        throw new IllegalArgumentException("vdev '" + vdev + "' is not a virtual device name (xvda, hdc, sdb1, d0p1, or a number)");
    }

    private static int extended(String vdev, int disk, int part) {
        if (disk >= 1 << 20 || part >= 256) {
            throw new IllegalArgumentException("vdev '" + vdev + "': disk " + disk + " partition " + part + " out of range");
        }
        return 1 << 28 | disk << 8 | part;
    }

    private static int letters(String vdev, String s) {
        long n = 0;
        for (char c : s.toCharArray()) {
            n = n * 26 + (c - 'a' + 1);
            if (n > 1 << 20) throw new IllegalArgumentException("vdev '" + vdev + "': disk index out of range");
        }
        return (int) n - 1;
    }
}
