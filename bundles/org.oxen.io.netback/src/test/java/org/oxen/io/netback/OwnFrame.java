package org.oxen.io.netback;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.oxen.vmm.api.backend.PageView;
import org.oxen.x86.api.Ram;

/** A frontend domain's own frame as a {@link PageView} (its memory, not a grant mapping). */
final class OwnFrame implements PageView {

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private final byte[] page;
    private final int base;

    OwnFrame(Ram ram, int mfn) {
        this.page = ram.directArray((long) mfn << 12, true);
        this.base = ram.directOffset((long) mfn << 12);
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public int getByte(int offset) {
        return page[base + offset] & 0xFF;
    }

    @Override
    public int getInt(int offset) {
        return (int) I32.getOpaque(page, base + offset);
    }

    @Override
    public int getIntAcquire(int offset) {
        return (int) I32.getAcquire(page, base + offset);
    }

    @Override
    public void putByte(int offset, int value) {
        page[base + offset] = (byte) value;
    }

    @Override
    public void putInt(int offset, int value) {
        I32.setOpaque(page, base + offset, value);
    }

    @Override
    public void putIntRelease(int offset, int value) {
        I32.setRelease(page, base + offset, value);
    }

    @Override
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        System.arraycopy(page, base + offset, dst, dstOffset, length);
    }

    @Override
    public void put(int offset, byte[] src, int srcOffset, int length) {
        System.arraycopy(src, srcOffset, page, base + offset, length);
    }

    void zero() {
        java.util.Arrays.fill(page, base, base + SIZE, (byte) 0);
    }
}
