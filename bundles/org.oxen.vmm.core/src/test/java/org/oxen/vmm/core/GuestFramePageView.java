package org.oxen.vmm.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

import org.oxen.vmm.api.backend.PageView;
import org.oxen.x86.api.Ram;

/**
 * A guest's own frame as a {@link PageView}: what a frontend running in that guest sees of a
 * page it granted (its own memory, not a grant mapping). Tests use it to play the guest's side
 * of a shared ring in Java.
 */
final class GuestFramePageView implements PageView {

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private final byte[] page;

    GuestFramePageView(Ram ram, int mfn) {
        this.page = ram.directArray((long) mfn << 12, true);
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public int getByte(int offset) {
        return page[offset] & 0xFF;
    }

    @Override
    public int getInt(int offset) {
        return (int) I32.getOpaque(page, offset);
    }

    @Override
    public int getIntAcquire(int offset) {
        return (int) I32.getAcquire(page, offset);
    }

    @Override
    public void putByte(int offset, int value) {
        page[offset] = (byte) value;
    }

    @Override
    public void putInt(int offset, int value) {
        I32.setOpaque(page, offset, value);
    }

    @Override
    public void putIntRelease(int offset, int value) {
        I32.setRelease(page, offset, value);
    }

    @Override
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(offset, length, SIZE);
        System.arraycopy(page, offset, dst, dstOffset, length);
    }

    @Override
    public void put(int offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(offset, length, SIZE);
        System.arraycopy(src, srcOffset, page, offset, length);
    }
}
