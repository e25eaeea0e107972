package org.oxen.vmm.core.mm;

import java.util.Objects;

import org.oxen.vmm.api.backend.PageView;
import org.oxen.x86.api.ByteArrayAtomics;

/**
 * A machine frame mapped into Domain-0 (the Java host) as a {@link PageView}: the bytes of the
 * frame in the machine's RAM, its dwords accessed through {@link ByteArrayAtomics} as the emulated CPUs
 * use, so acquire/release here pair with the guest's own loads and stores.
 *
 * <p>Whoever makes the mapping holds a reference on the frame (so it cannot be freed or change
 * owner) and calls {@link #unmap} before dropping it; from then on every access throws
 * {@link IllegalStateException}. Thread-safe: the mapped flag is volatile; the bytes are the
 * guest's and may change at any moment.
 */
public final class MappedFrame implements PageView {


    private final int mfn;
    private final byte[] page;
    private final int base;
    private final boolean writable;
    private volatile boolean mapped = true;

    public MappedFrame(FramePool pool, int mfn, boolean writable) {
        long pa = (long) mfn << 12;
        this.mfn = mfn;
        this.page = Objects.requireNonNull(pool.ram().directArray(pa, true), "frame outside RAM");
        this.base = pool.ram().directOffset(pa);
        this.writable = writable;
    }

    public int mfn() {
        return mfn;
    }

    /** Ends the mapping: every later access throws. */
    public void unmap() {
        mapped = false;
    }

    public boolean isMapped() {
        return mapped;
    }

    private int at(int offset, int size) {
        if (!mapped) throw new IllegalStateException("frame " + mfn + " is no longer mapped");
        Objects.checkFromIndexSize(offset, size, SIZE);
        return base + offset;
    }

    private int atWrite(int offset, int size) {
        if (!writable) throw new IllegalStateException("frame " + mfn + " is mapped read-only");
        return at(offset, size);
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public int getByte(int offset) {
        return page[at(offset, 1)] & 0xFF;
    }

    @Override
    public int getInt(int offset) {
        return ByteArrayAtomics.getOpaque(page, at(offset, 4));
    }

    @Override
    public int getIntAcquire(int offset) {
        return ByteArrayAtomics.getAcquire(page, at(offset, 4));
    }

    @Override
    public void putByte(int offset, int value) {
        page[atWrite(offset, 1)] = (byte) value;
    }

    @Override
    public void putInt(int offset, int value) {
        ByteArrayAtomics.setOpaque(page, atWrite(offset, 4), value);
    }

    @Override
    public void putIntRelease(int offset, int value) {
        ByteArrayAtomics.setRelease(page, atWrite(offset, 4), value);
    }

    @Override
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        System.arraycopy(page, at(offset, length), dst, dstOffset, length);
    }

    @Override
    public void put(int offset, byte[] src, int srcOffset, int length) {
        System.arraycopy(src, srcOffset, page, atWrite(offset, length), length);
    }

    @Override
    public void get(int offset, java.nio.ByteBuffer dst) {
        int n = dst.remaining();
        dst.put(page, at(offset, n), n);
    }

    @Override
    public void put(int offset, java.nio.ByteBuffer src) {
        int n = src.remaining();
        src.get(page, atWrite(offset, n), n);
    }

    @Override
    public String toString() {
        return "MappedFrame[mfn " + mfn + (mapped ? "" : ", unmapped") + "]";
    }
}
