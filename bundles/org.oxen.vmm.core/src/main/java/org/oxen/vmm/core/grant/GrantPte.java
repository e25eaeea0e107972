package org.oxen.vmm.core.grant;

import static org.oxen.vmm.abi.GrantTable.GNTMAP_APPLICATION_MAP;
import static org.oxen.vmm.abi.GrantTable.GNTMAP_CONTAINS_PTE;
import static org.oxen.vmm.abi.GrantTable.GNTMAP_GUEST_AVAIL_SHIFT;
import static org.oxen.vmm.abi.GrantTable.GNTMAP_READONLY;
import static org.oxen.vmm.abi.GrantTable.GNTST_GENERAL_ERROR;
import static org.oxen.vmm.abi.GrantTable.GNTST_OKAY;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.Ram;

/**
 * PV grant mappings in a grantee's own page tables (xen/arch/x86/pv/grant_table.c:
 * create_grant_pv_mapping, replace_grant_pv_mapping). The L1 entry is found by linear address
 * through the caller's page tables, or given by machine address (GNTMAP_contains_pte); it must
 * lie in an L1 page table of the caller. The new entry is P|A|D, plus RW unless
 * GNTMAP_readonly, US for GNTMAP_application_map, the guest's available bits from the map flags
 * and the grant's cache attributes, and its address is marked as a grant PTE in
 * {@link PageTables} (Xen's _PAGE_GNTTAB); its references are the grant's, so the old entry's
 * are dropped as mod_l1_entry would and the new one takes none. Every failure is
 * GNTST_general_error, as in Xen. The caller flushes TLBs.
 *
 * <p>Locking: runs under the mm lock ({@link FramePool} monitor), taken here.
 */
final class GrantPte {

    private final FramePool pool;
    private final PageTables pt;
    private final Ram ram;

    GrantPte(FramePool pool, PageTables pt) {
        this.pool = pool;
        this.pt = pt;
        this.ram = pool.ram();
    }

    /** grant_to_pte_flags. */
    static long pteFlags(int flags, int cacheFlags) {
        long e = Xen.PTE_P | Xen.PTE_A | Xen.PTE_D;
        if ((flags & GNTMAP_APPLICATION_MAP) != 0) e |= Xen.PTE_US;
        if ((flags & GNTMAP_READONLY) == 0) e |= Xen.PTE_RW;
        e |= (long) ((flags >>> GNTMAP_GUEST_AVAIL_SHIFT) & 7) << 9;
        // GTF_PWT/PCD/PAT (bits 5..7) are the PTE's PWT/PCD/PAT (bits 3, 4, 7)
        if ((cacheFlags & 0x20) != 0) e |= Xen.PTE_PWT;
        if ((cacheFlags & 0x40) != 0) e |= Xen.PTE_PCD;
        if ((cacheFlags & 0x80) != 0) e |= Xen.PTE_PAT;
        return e;
    }

    /**
     * The machine address of the L1 entry {@code addr} names for domain {@code d} (a linear
     * address through {@code cr3}, or with GNTMAP_contains_pte the entry's machine address), or
     * -1 unless that entry lies in an L1 page table of {@code d}. Under the mm lock.
     */
    private long l1Entry(DomainMemory d, int cr3, long addr, int flags) {
        long pa;
        if ((flags & GNTMAP_CONTAINS_PTE) != 0) {
            if ((addr & 7) != 0) return -1; // "Misaligned PTE address"
            pa = addr;
        } else {
            if (addr != (addr & 0xFFFFFFFFL)) return -1; // beyond a 32-bit guest's address space
            int va = (int) addr;
            if (Integer.compareUnsigned(va, Xen.HYPERVISOR_VIRT_START) >= 0) return -1;
            long l3e = ram.read64((cr3 & 0xFFFFFFE0L) + ((va >>> 30) << 3));
            if ((l3e & Xen.PTE_P) == 0) return -1;
            long l2e = ram.read64((l3e & Xen.PTE_ADDR_MASK) + (((va >>> 21) & 511) << 3));
            if ((l2e & Xen.PTE_P) == 0 || (l2e & Xen.PTE_PSE) != 0) return -1;
            pa = (l2e & Xen.PTE_ADDR_MASK) + (((va >>> 12) & 511) << 3);
        }
        long l1 = pa >>> 12;
        if (!pool.valid(l1)) return -1;
        int f = (int) l1;
        if (pool.owner(f) != d.domid || (pool.type(f) & PageType.TYPE_MASK) != PageType.L1 || pool.typeCount(f) == 0) {
            return -1;
        }
        return pa;
    }

    /** create_grant_pv_mapping: the entry's machine address (>= 0), or GNTST_general_error. */
    long create(DomainMemory d, int cr3, long addr, int mfn, int flags, int cacheFlags) {
        synchronized (pool) {
            long pa = l1Entry(d, cr3, addr, flags);
            if (pa < 0) return GNTST_GENERAL_ERROR;
            long old = ram.read64(pa);
            ram.write64(pa, ((long) mfn << 12) | pteFlags(flags, cacheFlags));
            pt.putL1e(old, d, pa);
            pt.markGrantPte(pa);
            return pa;
        }
    }

    /**
     * replace_grant_pv_mapping: the entry at {@code addr} must map {@code mfn}; it becomes empty,
     * or with {@code newAddr} the entry found there, which is cleared (unmap_and_replace; not with
     * GNTMAP_contains_pte). A grant PTE taken from {@code newAddr} keeps its mark and its entry
     * in {@code lgt}'s maptrack (the caller's) follows it.
     */
    int replace(GrantTable lgt, DomainMemory d, int cr3, long addr, int mfn, long newAddr, int flags) {
        long pa, movedFrom = -1;
        synchronized (pool) {
            if (newAddr != 0 && (flags & GNTMAP_CONTAINS_PTE) != 0) return GNTST_GENERAL_ERROR;
            pa = l1Entry(d, cr3, addr, flags);
            if (pa < 0) return GNTST_GENERAL_ERROR;
            long old = ram.read64(pa);
            if ((old & Xen.PTE_P) == 0 || ((old & Xen.PTE_ADDR_MASK) >>> 12) != mfn || !pt.isGrantPte(pa)) {
                return GNTST_GENERAL_ERROR; // "PTE ... doesn't match grant"
            }
            long nv = 0;
            boolean movedGrant = false;
            if (newAddr != 0) {
                long npa = l1Entry(d, cr3, newAddr, 0);
                if (npa < 0 || npa == pa) return GNTST_GENERAL_ERROR;
                nv = ram.read64(npa);
                ram.write64(npa, 0);
                movedGrant = pt.unmarkGrantPte(npa);
                if (movedGrant) movedFrom = npa;
            }
            ram.write64(pa, nv);
            pt.unmarkGrantPte(pa);
            if (movedGrant) pt.markGrantPte(pa);
        }
        // new_addr's entry was another grant's PTE: its maptrack entry follows it to addr, or the
        // domain's destruction would unmark the old entry and leave addr's marked for the frame's
        // next owner (fuzz -p 2, seed 3003)
        if (movedFrom >= 0) lgt.movePte(movedFrom, pa);
        return GNTST_OKAY;
    }
}
