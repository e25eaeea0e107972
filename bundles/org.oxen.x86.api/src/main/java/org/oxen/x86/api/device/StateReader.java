package org.oxen.x86.api.device;

/**
 * Reads a device's saved fields back and checks each: every read names its field, and a value
 * out of range, a record that ends early or has bytes left over is a
 * {@link DeviceStateException} naming the device and the field
 * ({@code "uart com1 state: field lcr: record ends at byte 7 of 7"}). A device reads and checks
 * every field into locals (or its state record) before it applies any, so a refused state
 * leaves it as it was.
 */
public final class StateReader {

    private final String device;
    private final byte[] data;
    private int pos;

    StateReader(String device, byte[] data) {
        this.device = device;
        this.data = data;
    }

    /** Fails unless the version is {@code want} (a device reads the layouts it knows). */
    public static void checkVersion(String device, DeviceState s, int want) {
        if (s.version() != want) {
            throw new DeviceStateException(device + " state: version " + s.version() + "; this device reads version "
                    + want + " only");
        }
    }

    private void need(int n, String field) {
        if (pos + n > data.length) {
            throw new DeviceStateException(device + " state: field " + field + ": the record ends at byte " + data.length
                    + " (" + n + " more needed at byte " + pos + ")");
        }
    }

    public int u8(String field) {
        need(1, field);
        return data[pos++] & 0xFF;
    }

    public int u16(String field) {
        need(2, field);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    public int u32(String field) {
        need(4, field);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16
                | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    public long u64(String field) {
        return (u32(field) & 0xFFFFFFFFL) | (long) u32(field) << 32;
    }

    public boolean bool(String field) {
        int v = u8(field);
        if (v > 1) throw bad(field, v + " is not a boolean (0 or 1)");
        return v == 1;
    }

    /** A u8 in {@code lo..hi}. */
    public int u8(String field, int lo, int hi) {
        return check(field, u8(field), lo, hi);
    }

    /** A u16 in {@code lo..hi}. */
    public int u16(String field, int lo, int hi) {
        return check(field, u16(field), lo, hi);
    }

    /** A u32 in {@code lo..hi} (signed comparison). */
    public int u32(String field, int lo, int hi) {
        return check(field, u32(field), lo, hi);
    }

    /** A u32 with no bits outside {@code allowed}. */
    public int bits32(String field, int allowed) {
        int v = u32(field);
        if ((v & ~allowed) != 0) {
            throw bad(field, String.format("0x%x has bits outside 0x%x", v, allowed));
        }
        return v;
    }

    /** A u8 with no bits outside {@code allowed}. */
    public int bits8(String field, int allowed) {
        int v = u8(field);
        if ((v & ~allowed) != 0) {
            throw bad(field, String.format("0x%x has bits outside 0x%x", v, allowed));
        }
        return v;
    }

    /** A clock time or deadline: -1 (none) or a non-negative nanosecond count. */
    public long deadline(String field) {
        long v = u64(field);
        if (v < -1) throw bad(field, v + " is neither -1 (not armed) nor a time");
        return v;
    }

    public byte[] bytes(String field, int n) {
        need(n, field);
        byte[] b = new byte[n];
        System.arraycopy(data, pos, b, 0, n);
        pos += n;
        return b;
    }

    /** Fails if bytes are left: the record is longer than this version's layout. */
    public void end() {
        if (pos != data.length) {
            throw new DeviceStateException(device + " state: " + (data.length - pos) + " bytes after the last field (byte "
                    + pos + " of " + data.length + "): not this version's layout");
        }
    }

    private int check(String field, int v, int lo, int hi) {
        if (v < lo || v > hi) throw bad(field, v + " is not in " + lo + ".." + hi);
        return v;
    }

    /** A refusal of {@code field} with {@code why}. */
    public DeviceStateException bad(String field, String why) {
        return new DeviceStateException(device + " state: field " + field + ": " + why);
    }
}
