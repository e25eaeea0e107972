package org.oxen.io.netback;

import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.core.mm.HostPage;
import org.oxen.x86.api.Ram;

/** A frontend domain's own frame as a {@link PageView} (its memory, not a grant mapping). */
final class OwnFrame implements PageView {

    private final HostPage page;

    OwnFrame(Ram ram, int mfn) {
        this.page = new HostPage(ram, (long) mfn << 12);
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public int getByte(int offset) {
        return page.getByte(offset);
    }

    @Override
    public int getInt(int offset) {
        return page.getInt(offset);
    }

    @Override
    public int getIntAcquire(int offset) {
        return page.getIntAcquire(offset);
    }

    @Override
    public void putByte(int offset, int value) {
        page.putByte(offset, value);
    }

    @Override
    public void putInt(int offset, int value) {
        page.putInt(offset, value);
    }

    @Override
    public void putIntRelease(int offset, int value) {
        page.putIntRelease(offset, value);
    }

    @Override
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        page.get(offset, dst, dstOffset, length);
    }

    @Override
    public void put(int offset, byte[] src, int srcOffset, int length) {
        page.put(offset, src, srcOffset, length);
    }

    void zero() {
        page.put(0, new byte[SIZE], 0, SIZE);
    }
}
