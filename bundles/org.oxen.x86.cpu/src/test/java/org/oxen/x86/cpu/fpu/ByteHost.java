package org.oxen.x86.cpu.fpu;

/** An FpuHost over a plain byte array (address = offset), for unit tests. */
final class ByteHost implements FpuHost {
    final byte[] mem = new byte[4096];
    int ax;
    int eflags = 2;
    boolean o32 = true;
    boolean pm = true;

    @Override
    public int read8(int seg, int offset) {
        return mem[offset] & 0xff;
    }

    @Override
    public int read16(int seg, int offset) {
        return read8(seg, offset) | read8(seg, offset + 1) << 8;
    }

    @Override
    public int read32(int seg, int offset) {
        return read16(seg, offset) | read16(seg, offset + 2) << 16;
    }

    @Override
    public long read64(int seg, int offset) {
        return (read32(seg, offset) & 0xffffffffL) | (long) read32(seg, offset + 4) << 32;
    }

    @Override
    public void write8(int seg, int offset, int v) {
        mem[offset] = (byte) v;
    }

    @Override
    public void write16(int seg, int offset, int v) {
        write8(seg, offset, v);
        write8(seg, offset + 1, v >> 8);
    }

    @Override
    public void write32(int seg, int offset, int v) {
        write16(seg, offset, v);
        write16(seg, offset + 2, v >> 16);
    }

    @Override
    public void write64(int seg, int offset, long v) {
        write32(seg, offset, (int) v);
        write32(seg, offset + 4, (int) (v >>> 32));
    }

    @Override
    public void setAx(int value16) {
        ax = value16;
    }

    @Override
    public void setFlagsFromFcomi(int zf, int pf, int cf) {
        eflags = (eflags & ~0x8d5) | zf << 6 | pf << 2 | cf;
    }

    @Override
    public int eflags() {
        return eflags;
    }

    @Override
    public boolean operandSize32() {
        return o32;
    }

    @Override
    public boolean protectedMode() {
        return pm;
    }
}
