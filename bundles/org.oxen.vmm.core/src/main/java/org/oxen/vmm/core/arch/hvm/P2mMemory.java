package org.oxen.vmm.core.arch.hvm;

import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.x86.api.DirectMemory;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;

/**
 * An HVM domain's RAM as its CPUs see it: guest-physical address {@code a} is byte
 * {@code a & 0xFFF} of machine frame {@code p2m(a >> 12)} (the domain's P2M, filled by the HVM
 * builder with frames from the machine pool, never contiguous). A guest-physical page without a
 * machine frame reads all ones and ignores writes; nothing here reaches a frame the P2M does
 * not name, so a guest can touch only its own frames and the grants it mapped (a read-only
 * grant mapping ignores writes too, and a TLB never holds a writable entry for it).
 *
 * <p>{@link DirectMemory} hands the CPU's TLB the machine frame's host address: the TLB then caches
 * the whole translation (guest-virtual → guest-physical through the guest's page tables,
 * guest-physical → machine through this P2M) and plain loads and stores cost what they cost a
 * PV guest. Device windows and the ROM are {@code PcMemory}'s, which wraps this. Log-dirty
 * works through the same frames: {@link #directWrite} asks the machine RAM whether a write tag
 * may be kept, so the first store to an armed frame is reported by whichever path makes it.
 *
 * <p>Threading: the P2M of an HVM domain is written by the builder before any vcpu runs; while
 * it lives only add_to_physmap changes it (under the mm lock, then every vcpu flushes its TLB
 * before it runs guest code again); accesses are the machine {@link Ram}'s.
 */
public final class P2mMemory implements PhysicalMemory, DirectMemory {

    private final Ram ram;
    private final DomainMemory p2m;

    public P2mMemory(Ram ram, DomainMemory p2m) {
        this.ram = ram;
        this.p2m = p2m;
    }

    /** Machine address of guest-physical {@code a}, or -1 when no frame backs it. */
    private long machine(long a) {
        if (a < 0 || a >= 1L << 32) return -1;
        int mfn = p2m.p2m((int) (a >>> 12));
        return mfn < 0 ? -1 : ((long) mfn << 12) | (a & 0xFFF);
    }

    /**
     * Machine address for a store to guest-physical {@code a}, or -1: none behind it, or a
     * read-only grant mapping there (Xen's p2m_grant_map_ro; the store is dropped).
     */
    private long machineForWrite(long a) {
        long m = machine(a);
        return m >= 0 && p2m.isReadOnlyGfn((int) (a >>> 12)) ? -1 : m;
    }

    /** Whether an access of {@code n} bytes at {@code a} stays inside one page. */
    private static boolean inPage(long a, int n) {
        return (a & 0xFFF) + n <= 0x1000;
    }

    @Override
    public long directAddress(long page, boolean write) {
        long m = write ? machineForWrite(page) : machine(page);
        return m < 0 ? 0 : ram.directAddress(m, write);
    }

    /**
     * The machine frame's write watching (log-dirty): a TLB keeps no write tag for an armed
     * frame until the guest stores to it, and that store marks the frame's pfn dirty. Without
     * this the TLB's fast path wrote an HVM domain's armed frames unseen.
     */
    @Override
    public boolean directWrite(long page, boolean writing) {
        long m = machine(page);
        return m < 0 || ram.directWrite(m, writing);
    }

    @Override
    public int read8(long a) {
        long m = machine(a);
        return m < 0 ? 0xFF : ram.read8(m);
    }

    @Override
    public int read16(long a) {
        if (inPage(a, 2)) {
            long m = machine(a);
            return m < 0 ? 0xFFFF : ram.read16(m);
        }
        return read8(a) | read8(a + 1) << 8;
    }

    @Override
    public int read32(long a) {
        if (inPage(a, 4)) {
            long m = machine(a);
            return m < 0 ? -1 : ram.read32(m);
        }
        return read16(a) | read16(a + 2) << 16;
    }

    @Override
    public long read64(long a) {
        if (inPage(a, 8)) {
            long m = machine(a);
            return m < 0 ? -1L : ram.read64(m);
        }
        return (read32(a) & 0xFFFFFFFFL) | (long) read32(a + 4) << 32;
    }

    @Override
    public void write8(long a, int v) {
        long m = machineForWrite(a);
        if (m >= 0) ram.write8(m, v);
    }

    @Override
    public void write16(long a, int v) {
        if (inPage(a, 2)) {
            long m = machineForWrite(a);
            if (m >= 0) ram.write16(m, v);
            return;
        }
        write8(a, v);
        write8(a + 1, v >>> 8);
    }

    @Override
    public void write32(long a, int v) {
        if (inPage(a, 4)) {
            long m = machineForWrite(a);
            if (m >= 0) ram.write32(m, v);
            return;
        }
        write16(a, v);
        write16(a + 2, v >>> 16);
    }

    @Override
    public void write64(long a, long v) {
        if (inPage(a, 8)) {
            long m = machineForWrite(a);
            if (m >= 0) ram.write64(m, v);
            return;
        }
        write32(a, (int) v);
        write32(a + 4, (int) (v >>> 32));
    }
}
