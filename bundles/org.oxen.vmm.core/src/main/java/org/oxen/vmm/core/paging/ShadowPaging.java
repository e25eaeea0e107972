package org.oxen.vmm.core.paging;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.Ram;

/**
 * Shadow paging for one PV domain (a small part of Xen's mm/shadow: PAE guest tables, one
 * shadow per guest table, no out-of-sync pages, no shadow-owned write protection): the vcpus'
 * CR3 holds a shadow L3 oxen builds, and the CPU walks shadow L2s and L1s that are filled
 * lazily from the guest's tables on shadow faults; the guest's own tables are what it reads,
 * what its hypercalls validate (the PV type system still runs, as in Xen's PV shadow modes,
 * which keep PV refcounting) and what oxen's copies to and from the guest walk
 * ({@link GuestMemory} maps a shadow CR3 back to its guest L3).
 *
 * <p>A shadow L1 entry exists only once the guest's entry has A (and is writable only once it
 * has D): the first access through a guest entry without them faults into {@link #fault},
 * which sets A (and D for a write) in the guest's L2 and L1 entries, exactly as the CPU would
 * have, then fills the shadow entries — accessed and dirty bits propagate back to the guest's
 * tables. Each shadow L1 entry is checked when it is made: the frame must be the domain's, and
 * a writable entry may not map a page table or descriptor page (what validation guarantees for
 * the guest's tables; a refusal is a #PF to the guest and a line in the log). Hypervisor-hole
 * slots of a slot-3 L2 (M2P, the per-domain area) are Xen's own entries and copied as they are.
 *
 * <p>Resync: every change the guest makes to its tables goes through a hypercall or PTE-write
 * emulation that ends in a domain TLB flush ({@code MmuHypercalls.flush}); before that flush,
 * {@link #blow} zaps every shadow L2 entry below the hole, recycles the shadow L1s and re-reads
 * the guest L3s (Xen's shadow_blow_tables): shadows refill on demand. Simple and always
 * consistent, at the price of shadow faults after every page-table update (docs/PERFORMANCE.md).
 * A shadow L3 whose guest frame is no longer an L3 of the domain is zeroed, not re-read. Shadow
 * frames are never freed while the domain runs (a vcpu's cached PDPTEs may point at a shadow
 * L2), so the shadow pool grows with the number of distinct L3s and L2s the guest has used,
 * unbounded by anything but the guest's own memory (Xen caps it with a shadow allocation).
 * Shadow frames are Xen's (allocated from the pool, freed at {@link #release}); a recycled L1
 * stays this domain's shadow frame, so a vcpu still walking a stale shadow entry sees only
 * entries checked for this domain until its TLB flush.
 *
 * <p>Locking: everything under the mm lock (the {@link FramePool} monitor), which the callers
 * (exits, hypercalls, the toolstack) take.
 */
public final class ShadowPaging {

    private static final long ADDR = Xen.PTE_ADDR_MASK;
    /** Guest L1 bits a shadow entry keeps besides the frame (P RW US PWT PCD A D PAT G, NX). */
    private static final long L1_FLAGS = 0x1FFL | Xen.PTE_NX;

    private final FramePool pool;
    private final Ram ram;
    private final GuestMemory guest;
    private final int domid;
    private final Map<Integer, Integer> l3 = new HashMap<>(), l2 = new HashMap<>(), l1 = new HashMap<>();
    private final ArrayDeque<Integer> spareL1 = new ArrayDeque<>();
    /** Statistics: shadow faults fixed, guest faults passed on, blows, entries refused. */
    private long fixed, passed, blows, refused;

    public ShadowPaging(FramePool pool, GuestMemory guest, int domid) {
        this.pool = pool;
        this.ram = pool.ram();
        this.guest = guest;
        this.domid = domid;
    }

    /** The shadow L3 for guest L3 {@code g3} (made on first use); what the CPU's CR3 gets. */
    public int shadowL3(int g3) {
        Integer s = l3.get(g3);
        if (s != null) return s;
        int s3 = pool.allocXenLow(); // a PAE CR3 names it: below 4 GiB
        if (s3 < 0) throw new IllegalStateException("out of memory below 4 GiB for a shadow L3");
        l3.put(g3, s3);
        guest.mapShadowL3(s3, g3);
        syncL3(g3, s3);
        return s3;
    }

    private void syncL3(int g3, int s3) {
        for (int i = 0; i < 4; i++) {
            long e = ram.read64(((long) g3 << 12) + 8L * i);
            long se = 0;
            if ((e & Xen.PTE_P) != 0) se = ((long) shadowL2((int) ((e & ADDR) >>> 12)) << 12) | Xen.PTE_P;
            ram.write64(((long) s3 << 12) + 8L * i, se);
        }
    }

    private int shadowL2(int g2) {
        Integer s = l2.get(g2);
        if (s != null) return s;
        int s2 = alloc();
        l2.put(g2, s2);
        copyXenSlots(g2, s2);
        return s2;
    }

    private void copyXenSlots(int g2, int s2) {
        if ((pool.type(g2) & PageType.PAE_XEN_L2) == 0) return;
        for (int j = PageTables.XEN_L2_FIRST_SLOT; j < 512; j++) {
            ram.write64(((long) s2 << 12) + 8L * j, ram.read64(((long) g2 << 12) + 8L * j));
        }
    }

    private int alloc() {
        int f = pool.allocXen();
        if (f < 0) throw new IllegalStateException("out of memory for shadow tables");
        return f;
    }

    /**
     * A #PF the vcpu took at {@code lin} with {@code error}: -1 if it was a shadow fault, now
     * fixed (retry the instruction); otherwise the error code the guest's own tables give for
     * the access (the guest gets that #PF).
     */
    public long fault(long guestL3Address, int lin, int error) {
        if (Integer.compareUnsigned(lin, Xen.HYPERVISOR_VIRT_START) >= 0) return error;
        boolean write = (error & 2) != 0, user = (error & 4) != 0, fetch = (error & 16) != 0;
        long l3e = ram.read64(guestL3Address + 8L * (lin >>> 30));
        if ((l3e & Xen.PTE_P) == 0) return notPresent(error);
        long l2a = (l3e & ADDR) + 8L * ((lin >>> 21) & 511);
        long l2e = ram.read64(l2a);
        if ((l2e & Xen.PTE_P) == 0) return notPresent(error);
        long l1a = (l2e & ADDR) + 8L * ((lin >>> 12) & 511);
        long l1e = ram.read64(l1a);
        if ((l1e & Xen.PTE_P) == 0) return notPresent(error);
        long both = l2e & l1e;
        if ((write && (both & Xen.PTE_RW) == 0) || (user && (both & Xen.PTE_US) == 0)
                || (fetch && ((l2e | l1e) & Xen.PTE_NX) != 0)) {
            passed++;
            return error | 1; // a protection fault by the guest's own tables
        }
        int f = (int) ((l1e & ADDR) >>> 12);
        if (!pool.valid(f) || pool.owner(f) != domid
                || ((l1e & Xen.PTE_RW) != 0 && (pool.type(f) & PageType.TYPE_MASK) > PageType.WRITABLE)) {
            refused++;
            return error | 1; // never reached through validated tables: checked again at shadow time
        }
        // the CPU's A/D updates, on the guest's entries
        if ((l2e & Xen.PTE_A) == 0) ram.write64(l2a, l2e |= Xen.PTE_A);
        long want = Xen.PTE_A | (write ? Xen.PTE_D : 0);
        if ((l1e & want) != want) ram.write64(l1a, l1e |= want);
        // the shadow entries
        int s2 = shadowL2((int) ((l3e & ADDR) >>> 12));
        long s2a = ((long) s2 << 12) + 8L * ((lin >>> 21) & 511);
        long s2e = ram.read64(s2a);
        int g1 = (int) ((l2e & ADDR) >>> 12);
        Integer s1 = l1.get(g1);
        if (s1 == null) {
            Integer spare = spareL1.poll();
            s1 = spare != null ? spare : alloc();
            l1.put(g1, s1);
        }
        long s2want = ((long) s1 << 12) | (l2e & 0x1FFL & ~ADDR) | (l2e & Xen.PTE_NX);
        if (s2e != s2want) ram.write64(s2a, s2want);
        long s1e = (l1e & ADDR) | (l1e & L1_FLAGS);
        if ((l1e & Xen.PTE_D) == 0) s1e &= ~Xen.PTE_RW; // the first write comes back here to set D
        ram.write64(((long) s1 << 12) + 8L * ((lin >>> 12) & 511), s1e);
        fixed++;
        return -1;
    }

    private long notPresent(int error) {
        passed++;
        return error & ~1;
    }

    /**
     * The guest changed its tables (before the domain's TLB flush): every shadow L2 entry below
     * the hole is cleared, the shadow L1s recycled, the shadow L3s re-read from the guest's.
     */
    public void blow() {
        blows++;
        for (Map.Entry<Integer, Integer> e : l2.entrySet()) {
            long s2 = (long) e.getValue() << 12;
            int n = (pool.type(e.getKey()) & PageType.PAE_XEN_L2) != 0 ? PageTables.XEN_L2_FIRST_SLOT : 512;
            for (int j = 0; j < n; j++) ram.write64(s2 + 8L * j, 0);
            copyXenSlots(e.getKey(), e.getValue());
        }
        for (int s1 : l1.values()) {
            pool.zero(s1);
            spareL1.add(s1);
        }
        l1.clear();
        for (Map.Entry<Integer, Integer> e : l3.entrySet()) {
            int g3 = e.getKey();
            if (pool.owner(g3) == domid && (pool.type(g3) & PageType.TYPE_MASK) == PageType.L3) {
                syncL3(g3, e.getValue());
            } else { // no longer an L3 of the domain (no vcpu runs on it: CR3 holds a type reference)
                pool.zero(e.getValue());
            }
        }
    }

    /** Frees every shadow frame (shadow mode off, or the domain destroyed; no vcpu runs on them). */
    public int release() {
        int n = 0;
        for (int s3 : l3.values()) {
            guest.mapShadowL3(s3, 0);
        }
        for (Map<Integer, Integer> m : java.util.List.of(l3, l2, l1)) {
            for (int f : m.values()) {
                pool.freeXen(f);
                n++;
            }
            m.clear();
        }
        for (int f : spareL1) {
            pool.freeXen(f);
            n++;
        }
        spareL1.clear();
        return n;
    }

    /** Shadow frames in use (tables and spares). */
    public int frames() {
        return l3.size() + l2.size() + l1.size() + spareL1.size();
    }

    @Override
    public String toString() {
        return String.format("shadow d%d: %d frames, %d faults fixed, %d passed to the guest, %d blows, %d refused",
                domid, frames(), fixed, passed, blows, refused);
    }
}
