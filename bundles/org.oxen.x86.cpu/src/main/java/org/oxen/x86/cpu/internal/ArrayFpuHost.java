package org.oxen.x86.cpu.internal;

import org.oxen.x86.cpu.fpu.FpuHost;

/** An {@link FpuHost} whose memory is a byte array (offsets from 0), for FPU save/restore through the API. */
final class ArrayFpuHost implements FpuHost {
    private final byte[] a;
    private final Core core;

    ArrayFpuHost(byte[] a, Core core) {
        this.a = a;
        this.core = core;
    }

    @Override public int read8(int seg, int o) { return a[o] & 0xFF; }
    @Override public int read16(int seg, int o) { return read8(seg, o) | read8(seg, o + 1) << 8; }
    @Override public int read32(int seg, int o) { return read16(seg, o) | read16(seg, o + 2) << 16; }
    @Override public long read64(int seg, int o) { return (read32(seg, o) & 0xFFFFFFFFL) | (long) read32(seg, o + 4) << 32; }
    @Override public void write8(int seg, int o, int v) { a[o] = (byte) v; }
    @Override public void write16(int seg, int o, int v) { write8(seg, o, v); write8(seg, o + 1, v >>> 8); }
    @Override public void write32(int seg, int o, int v) { write16(seg, o, v); write16(seg, o + 2, v >>> 16); }
    @Override public void write64(int seg, int o, long v) { write32(seg, o, (int) v); write32(seg, o + 4, (int) (v >>> 32)); }
    @Override public void setAx(int v) { }
    @Override public void setFlagsFromFcomi(int zf, int pf, int cf) { }
    @Override public int eflags() { return core.eflags(); }
    @Override public boolean operandSize32() { return true; }
    @Override public boolean protectedMode() { return true; }
}
