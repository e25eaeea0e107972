package org.oxen.io.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

import org.oxen.vmm.api.backend.PageView;

/** A page of plain Java memory with {@link PageView}'s semantics (what a grant mapping gives, in tests; shared with the tests of org.oxen.io.xenstore, org.oxen.vmm.core and org.oxen.io.blkback through this bundle's test jar). */
public final class ArrayPage implements PageView {

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    final byte[] bytes;

    /** A fresh zeroed page. */
    public ArrayPage() {
        this(new byte[SIZE]);
    }

    /**
     * A view of an existing page-sized array: a guest's own frame as the RAM holds it (what a
     * frontend running in that guest sees of a page it granted), so tests can play the guest's
     * side of a ring in Java.
     */
    public ArrayPage(byte[] page) {
        if (page.length != SIZE) throw new IllegalArgumentException("a page is " + SIZE + " bytes, not " + page.length);
        this.bytes = page;
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public int getByte(int offset) {
        return bytes[offset] & 0xFF;
    }

    @Override
    public int getInt(int offset) {
        Objects.checkFromIndexSize(offset, 4, SIZE);
        return (int) I32.getOpaque(bytes, offset);
    }

    @Override
    public int getIntAcquire(int offset) {
        Objects.checkFromIndexSize(offset, 4, SIZE);
        return (int) I32.getAcquire(bytes, offset);
    }

    @Override
    public void putByte(int offset, int value) {
        bytes[offset] = (byte) value;
    }

    @Override
    public void putInt(int offset, int value) {
        Objects.checkFromIndexSize(offset, 4, SIZE);
        I32.setOpaque(bytes, offset, value);
    }

    @Override
    public void putIntRelease(int offset, int value) {
        Objects.checkFromIndexSize(offset, 4, SIZE);
        I32.setRelease(bytes, offset, value);
    }

    @Override
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(offset, length, SIZE);
        System.arraycopy(bytes, offset, dst, dstOffset, length);
    }

    @Override
    public void put(int offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(offset, length, SIZE);
        System.arraycopy(src, srcOffset, bytes, offset, length);
    }
}
