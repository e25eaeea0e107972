package org.oxen.x86.api.device;

import java.io.ByteArrayOutputStream;

/**
 * Writes a device's saved fields, little-endian, in the order its {@link StateReader} reads
 * them back. Not thread-safe; one per save.
 */
public final class StateWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

    public StateWriter u8(int v) {
        out.write(v);
        return this;
    }

    public StateWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    public StateWriter u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    public StateWriter u32(int v) {
        return u16(v).u16(v >>> 16);
    }

    public StateWriter u64(long v) {
        return u32((int) v).u32((int) (v >>> 32));
    }

    public StateWriter bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** The state of layout {@code version} with the fields written so far. */
    public DeviceState finish(int version) {
        return new DeviceState(version, out.toByteArray());
    }
}
