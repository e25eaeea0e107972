package org.oxen.x86.api.device;

import java.util.Arrays;

/**
 * One device instance's saved state, as Xen's HVM context records carry it
 * (public/arch-x86/hvm/save.h: a descriptor {typecode, instance, length} and the device's
 * struct): {@code version} is the layout version of the device's own record, {@code data} its
 * fields in the order the device writes them ({@link StateWriter}, little-endian). The board or
 * the VMM stores it by the device's id and type; only the device reads it
 * ({@link StateReader}, which names the device and the field of every refusal).
 *
 * @param version the layout of {@code data} (a device refuses versions it does not read)
 * @param data    the fields, little-endian
 */
public record DeviceState(int version, byte[] data) {

    /** A device without state (a port that only writes out): version 0, no bytes. */
    public static final DeviceState NONE = new DeviceState(0, new byte[0]);

    public DeviceState {
        if (version < 0) throw new IllegalArgumentException("state version " + version);
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The number of bytes of {@link #data()}, without copying them. */
    public int size() {
        return data.length;
    }

    /** A reader of this state for device {@code device} (its id and type, as messages name it). */
    public StateReader reader(String device) {
        return new StateReader(device, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceState s && s.version == version && Arrays.equals(s.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * version + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "DeviceState[version " + version + ", " + data.length + " bytes]";
    }
}
