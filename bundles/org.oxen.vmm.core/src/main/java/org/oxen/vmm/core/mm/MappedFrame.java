package org.oxen.vmm.core.mm;

import org.oxen.vmm.api.backend.PageView;

/**
 * A machine frame mapped into Domain-0 (the Java host) as a {@link PageView}: the bytes of the
 * frame in the machine's RAM by host address ({@link HostPage}: every offset checked against the
 * frame first), its aligned dwords accessed with the ordering the emulated CPUs' loads and
 * stores pair with.
 *
 * <p>Whoever makes the mapping holds a reference on the frame (so it cannot be freed or change
 * owner) and calls {@link #unmap} before dropping it; from then on every access throws
 * {@link IllegalStateException}. Thread-safe: the mapped flag is volatile; the bytes are the
 * guest's and may change at any moment.
 */
public final class MappedFrame implements PageView {


    private final int mfn;
    private final HostPage page;
    private final boolean writable;
    private volatile boolean mapped = true;

    public MappedFrame(FramePool pool, int mfn, boolean writable) {
        this.mfn = mfn;
        this.page = new HostPage(pool.ram(), (long) mfn << 12);
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

    private HostPage read() {
        if (!mapped) throw new IllegalStateException("frame " + mfn + " is no longer mapped");
        return page;
    }

    private HostPage write() {
        if (!writable) throw new IllegalStateException("frame " + mfn + " is mapped read-only");
        return read();
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public int getByte(int offset) {
        return read().getByte(offset);
    }

    @Override
    public int getInt(int offset) {
        return read().getInt(offset);
    }

    @Override
    public int getIntAcquire(int offset) {
        return read().getIntAcquire(offset);
    }

    @Override
    public void putByte(int offset, int value) {
        write().putByte(offset, value);
    }

    @Override
    public void putInt(int offset, int value) {
        write().putInt(offset, value);
    }

    @Override
    public void putIntRelease(int offset, int value) {
        write().putIntRelease(offset, value);
    }

    @Override
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        read().get(offset, dst, dstOffset, length);
    }

    @Override
    public void put(int offset, byte[] src, int srcOffset, int length) {
        write().put(offset, src, srcOffset, length);
    }

    @Override
    public void get(int offset, java.nio.ByteBuffer dst) {
        read().get(offset, dst);
    }

    @Override
    public void put(int offset, java.nio.ByteBuffer src) {
        write().put(offset, src);
    }

    @Override
    public String toString() {
        return "MappedFrame[mfn " + mfn + (mapped ? "" : ", unmapped") + "]";
    }
}
