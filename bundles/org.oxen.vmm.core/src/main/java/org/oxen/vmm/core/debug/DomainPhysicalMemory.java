package org.oxen.vmm.core.debug;

import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;

/**
 * Machine memory as a debugger of one PV domain may touch it: a PV guest's page tables hold
 * machine addresses, so its "physical" addresses are machine addresses, but only the domain's
 * own frames are reachable, and only frames without a page-table or descriptor type may be
 * written (a write there would bypass validation: a debugger could make the guest map another
 * domain's memory). Anything else is an {@link IllegalArgumentException} naming the address.
 *
 * <p>Locking: a write checks and stores under the mm lock (the {@link FramePool} monitor, under
 * which every type change happens), so the frame cannot become a page table between the two.
 */
final class DomainPhysicalMemory implements PhysicalMemory {

    private final FramePool pool;
    private final Ram ram;
    private final int domid;

    DomainPhysicalMemory(FramePool pool, int domid) {
        this.pool = pool;
        this.ram = pool.ram();
        this.domid = domid;
    }

    /** Checks the frames of [address, address + size) for a read or a write. */
    private void check(long address, int size, boolean write) {
        for (long mfn = address >>> 12; mfn <= (address + size - 1) >>> 12; mfn++) {
            if (address < 0 || !pool.valid(mfn) || pool.owner((int) mfn) != domid) {
                throw new IllegalArgumentException(String.format("machine address 0x%x is not domain %d's memory",
                        Math.max(address, mfn << 12), domid));
            }
            int type = pool.type((int) mfn) & PageType.TYPE_MASK;
            if (write && type != PageType.NONE && type != PageType.WRITABLE) {
                throw new IllegalArgumentException(String.format("machine frame 0x%x of domain %d is a %s page: "
                        + "a debugger may not write it", mfn, domid, PageType.name(type)));
            }
        }
    }

    @Override
    public int read8(long address) {
        check(address, 1, false);
        return ram.read8(address);
    }

    @Override
    public int read16(long address) {
        check(address, 2, false);
        return ram.read16(address);
    }

    @Override
    public int read32(long address) {
        check(address, 4, false);
        return ram.read32(address);
    }

    @Override
    public long read64(long address) {
        check(address, 8, false);
        return ram.read64(address);
    }

    @Override
    public void write8(long address, int value) {
        synchronized (pool) {
            check(address, 1, true);
            ram.write8(address, value);
        }
    }

    @Override
    public void write16(long address, int value) {
        synchronized (pool) {
            check(address, 2, true);
            ram.write16(address, value);
        }
    }

    @Override
    public void write32(long address, int value) {
        synchronized (pool) {
            check(address, 4, true);
            ram.write32(address, value);
        }
    }

    @Override
    public void write64(long address, long value) {
        synchronized (pool) {
            check(address, 8, true);
            ram.write64(address, value);
        }
    }
}
