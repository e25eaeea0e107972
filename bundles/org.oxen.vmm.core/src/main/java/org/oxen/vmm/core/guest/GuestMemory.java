package org.oxen.vmm.core.guest;

import java.nio.charset.StandardCharsets;

import org.oxen.vmm.abi.Xen;
import org.oxen.x86.api.Ram;

/**
 * copy_from_guest / copy_to_guest: the one way the hypervisor touches guest virtual memory.
 *
 * <p>Addresses are translated through the guest's current PAE page tables (the CR3 the caller
 * passes, i.e. the vcpu's), with the permissions of the guest kernel: present at every level,
 * writable at every level for writes (CR0.WP semantics), and never at or above
 * {@link Xen#HYPERVISOR_VIRT_START} (Xen's access_ok). Any failure throws
 * {@link GuestFault#INSTANCE}. Like the hardware, translation sets A (and D for writes) in the
 * L1 entry.
 *
 * <p>Locking: a write translates and stores under the mm lock (the {@link
 * org.oxen.vmm.core.mm.FramePool} monitor), under which every type change happens: the writable
 * L1 entry it went through holds the frame's writable type for the whole store, so a frame can
 * never become a page table or descriptor page between the check and the write (another vcpu of
 * the domain changing the tables at the same moment). Reads take no lock.
 */
public final class GuestMemory {

    private final Ram ram;
    private final Object mmLock;
    /**
     * Shadow paging: the guest L3 frame of each shadow L3 frame (0: not a shadow L3), so that
     * a vcpu's CR3 in shadow mode still means the guest's own tables here. Null until a domain
     * uses shadow mode: direct mode pays one null check per translation.
     */
    private volatile int[] guestL3OfShadow;

    /**
     * An address space this class cannot walk itself: an HVM vcpu's (its own paging mode over
     * guest-physical memory, then its P2M), which hypercalls from that vcpu name instead of a CR3
     * (Xen's copy_from_guest of an HVM vcpu goes through its paging the same way).
     */
    @FunctionalInterface
    public interface LinearSpace {
        /**
         * Machine address of {@code va} accessed by the guest kernel ({@code write}: a store), -1 if
         * it would fault, or {@link #DISCARD_WRITE} for a store the hypervisor drops.
         */
        long machineAddress(int va, boolean write);
    }

    /**
     * What a {@link LinearSpace} answers for a store that is dropped without a fault: Xen's
     * __hvm_copy to a p2m_is_discard_write page (a read-only grant mapping in an HVM guest's
     * physmap), where copy_to_guest succeeds and the page keeps its bytes.
     */
    public static final long DISCARD_WRITE = -2;

    /**
     * Bit 0 of a "CR3" argument marks a {@link LinearSpace} handle ((slot << 12) | 1): a PV CR3
     * is always a frame address, so its low 12 bits are clear.
     */
    private static final int SPACE_HANDLE = 1;
    /** Registered spaces by slot (copy on write: {@link #translate} reads without a lock). */
    private volatile LinearSpace[] spaces = new LinearSpace[0];

    /**
     * Registers {@code space}; the handle returned stands for it wherever a CR3 is asked for.
     * {@link #unregister} frees the slot.
     */
    public synchronized int register(LinearSpace space) {
        LinearSpace[] a = spaces;
        int slot = 0;
        while (slot < a.length && a[slot] != null) slot++;
        a = java.util.Arrays.copyOf(a, slot < a.length ? a.length : Math.max(8, a.length * 2));
        a[slot] = space;
        spaces = a;
        return slot << 12 | SPACE_HANDLE;
    }

    public synchronized void unregister(int handle) {
        LinearSpace[] a = spaces.clone();
        a[handle >>> 12] = null;
        spaces = a;
    }

    public GuestMemory(Ram ram, Object mmLock) {
        this.ram = ram;
        this.mmLock = mmLock;
    }

    /** Records that shadow L3 frame {@code shadow} stands for guest L3 frame {@code guestL3} (0: no longer). */
    public synchronized void mapShadowL3(int shadow, int guestL3) {
        int[] m = guestL3OfShadow;
        if (m == null) guestL3OfShadow = m = new int[(int) (ram.size() >>> 12)];
        m[shadow] = guestL3;
    }

    /**
     * The machine address of the guest's L3 for a CR3 that may hold a shadow L3 (whose guest L3
     * may lie above 4 GiB, beyond what a CR3 holds).
     */
    public long guestL3Address(int cr3) {
        int[] m = guestL3OfShadow;
        if (m != null) {
            int g = m[cr3 >>> 12];
            if (g != 0) return (long) g << 12;
        }
        return cr3 & 0xFFFFFFE0L;
    }

    /** Machine address of {@code va}, or -1. */
    public long translate(int cr3, int va, boolean write) {
        if ((cr3 & SPACE_HANDLE) != 0) {
            LinearSpace sp = spaces[cr3 >>> 12];
            long ma = sp == null ? -1 : sp.machineAddress(va, write);
            return ma == DISCARD_WRITE && write ? DISCARD_WRITE : ma >= 0 && ma < ram.size() ? ma : -1;
        }
        if (Integer.compareUnsigned(va, Xen.HYPERVISOR_VIRT_START) >= 0) return -1;
        long l3e = ram.read64(guestL3Address(cr3) + ((va >>> 30) << 3));
        if ((l3e & Xen.PTE_P) == 0) return -1;
        long l2e = ram.read64((l3e & Xen.PTE_ADDR_MASK) + (((va >>> 21) & 511) << 3));
        if ((l2e & Xen.PTE_P) == 0 || (write && (l2e & Xen.PTE_RW) == 0) || (l2e & Xen.PTE_PSE) != 0) return -1;
        long l1a = (l2e & Xen.PTE_ADDR_MASK) + (((va >>> 12) & 511) << 3);
        long l1e = ram.read64(l1a);
        if ((l1e & Xen.PTE_P) == 0 || (write && (l1e & Xen.PTE_RW) == 0)) return -1;
        long ad = write ? Xen.PTE_A | Xen.PTE_D : Xen.PTE_A;
        if ((l1e & ad) != ad) ram.write64(l1a, l1e | ad);
        long pa = (l1e & Xen.PTE_ADDR_MASK) | (va & 0xFFF);
        return pa < ram.size() ? pa : -1;
    }

    private long xlate(int cr3, int va, boolean write) {
        long pa = translate(cr3, va, write);
        if (pa < 0 && !(write && pa == DISCARD_WRITE)) throw GuestFault.INSTANCE;
        return pa;
    }

    public int read8(int cr3, int va) {
        return ram.read8(xlate(cr3, va, false));
    }

    public int read16(int cr3, int va) {
        if ((va & 0xFFF) <= 0xFFE) return ram.read16(xlate(cr3, va, false));
        return read8(cr3, va) | read8(cr3, va + 1) << 8;
    }

    public int read32(int cr3, int va) {
        if ((va & 0xFFF) <= 0xFFC) return ram.read32(xlate(cr3, va, false));
        return read16(cr3, va) | read16(cr3, va + 2) << 16;
    }

    public long read64(int cr3, int va) {
        return (read32(cr3, va) & 0xFFFFFFFFL) | (long) read32(cr3, va + 4) << 32;
    }

    public void write8(int cr3, int va, int v) {
        synchronized (mmLock) {
            long pa = xlate(cr3, va, true);
            if (pa != DISCARD_WRITE) ram.write8(pa, v);
        }
    }

    public void write16(int cr3, int va, int v) {
        synchronized (mmLock) {
            if ((va & 0xFFF) <= 0xFFE) {
                long pa = xlate(cr3, va, true);
                if (pa != DISCARD_WRITE) ram.write16(pa, v);
            } else {
                // check both pages before writing either
                xlate(cr3, va + 1, true);
                write8(cr3, va, v);
                write8(cr3, va + 1, v >>> 8);
            }
        }
    }

    public void write32(int cr3, int va, int v) {
        synchronized (mmLock) {
            if ((va & 0xFFF) <= 0xFFC) {
                long pa = xlate(cr3, va, true);
                if (pa != DISCARD_WRITE) ram.write32(pa, v);
            } else {
                xlate(cr3, va, true);
                xlate(cr3, va + 3, true);
                for (int i = 0; i < 4; i++) write8(cr3, va + i, v >>> (8 * i));
            }
        }
    }

    public void write64(int cr3, int va, long v) {
        synchronized (mmLock) {
            xlate(cr3, va, true);
            xlate(cr3, va + 7, true);
            write32(cr3, va, (int) v);
            write32(cr3, va + 4, (int) (v >>> 32));
        }
    }

    /** copy_from_guest of {@code len} bytes. */
    public void read(int cr3, int va, byte[] dst, int off, int len) {
        while (len > 0) {
            long pa = xlate(cr3, va, false);
            int n = Math.min(len, 0x1000 - (va & 0xFFF));
            for (int i = 0; i < n; i++) dst[off + i] = (byte) ram.read8(pa + i);
            va += n;
            off += n;
            len -= n;
        }
    }

    /** copy_to_guest; all pages are checked before the first byte is written. */
    public void write(int cr3, int va, byte[] src, int off, int len) {
        synchronized (mmLock) {
            writeLocked(cr3, va, src, off, len);
        }
    }

    private void writeLocked(int cr3, int va, byte[] src, int off, int len) {
        for (int done = 0; done < len; ) {
            xlate(cr3, va + done, true);
            done += 0x1000 - ((va + done) & 0xFFF);
        }
        while (len > 0) {
            long pa = xlate(cr3, va, true);
            int n = Math.min(len, 0x1000 - (va & 0xFFF));
            if (pa != DISCARD_WRITE) for (int i = 0; i < n; i++) ram.write8(pa + i, src[off + i]);
            va += n;
            off += n;
            len -= n;
        }
    }

    /** Writes a NUL-terminated string of at most {@code max} bytes (truncated, always terminated). */
    public void writeString(int cr3, int va, String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(b.length, max - 1);
        byte[] out = new byte[n + 1];
        System.arraycopy(b, 0, out, 0, n);
        write(cr3, va, out, 0, out.length);
    }

    /** Writes exactly {@code size} bytes: the string, NUL-padded. */
    public void writeFixed(int cr3, int va, String s, int size) {
        byte[] out = new byte[size];
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, out, 0, Math.min(b.length, size - 1));
        write(cr3, va, out, 0, size);
    }
}
