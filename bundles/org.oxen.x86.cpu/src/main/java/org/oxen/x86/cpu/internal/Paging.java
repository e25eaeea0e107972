package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.internal.x64.NativeContext;

/**
 * Paging (2-level, PSE, PAE with NX) and the software TLB: the page walk that fills an entry,
 * flushes, and the TLB probe every tier's fast path shares ({@link #tlbEntry}, {@link #tlbHit}).
 *
 * <p>The TLB is direct-mapped, two sets (supervisor, user), each entry holding the linear page,
 * the physical page, permissions, and for RAM pages the page's host address (guest RAM lives
 * outside the Java heap, {@link org.oxen.x86.api.Ram}): the fast path of a load ({@link Mmu}'s
 * accessors, translated code) is one tag compare and one load from that address.
 * Entries are filled only after a successful walk (accessed bits set; dirty bit set before a
 * write entry is filled), so a write through a read-filled entry takes the slow path once and
 * sets D. The memory may hold a page's write tag back ({@link
 * org.oxen.x86.api.DirectMemory#directWrite}: write watching for a hypervisor's log-dirty mode):
 * a store then takes the slow path, walks again and asks with writing = true, after which the
 * tag is filled; with nothing watched this adds nothing to a fast path. A frame holding
 * translated code keeps its write tags held back too ({@link #holdCodeFrameWrites}).
 *
 * <p>Safety of the raw accesses: an entry's address {@code tAddr[i]} comes only from {@link
 * org.oxen.x86.api.DirectMemory#directAddress}, whose contract is that the whole 4 KiB page from
 * it stays mapped while the memory object is reachable, and this CPU holds its memory ({@code
 * direct}) for its whole life; every access's offset in the page has passed the tag test
 * ({@link #tlbHit}: the access ends inside the page), so a guest-controlled offset never reaches
 * outside the page its access was translated to ({@link UncheckedPage}). The accesses run on
 * the CPU's own thread inside its run loop, which keeps the CPU, and through it the memory,
 * reachable.
 */
abstract class Paging extends CpuState {

    static final int TLB_BITS = 10, TLB_SIZE = 1 << TLB_BITS, TLB_MASK = TLB_SIZE - 1;
    static final int INVALID = 1;
    static final int P_WRITE = 1, P_DIRTY = 2, P_EXEC = 4, P_GLOBAL = 8;

    final int[] tagR = new int[2 * TLB_SIZE];
    final int[] tagW = new int[2 * TLB_SIZE];
    final int[] tagX = new int[2 * TLB_SIZE];
    final int[] tLin = new int[2 * TLB_SIZE];
    final long[] tPhys = new long[2 * TLB_SIZE];
    final int[] tPerm = new int[2 * TLB_SIZE];
    /** Host address of the entry's RAM page (0: not plain RAM, no data tags). */
    final long[] tAddr = new long[2 * TLB_SIZE];
    /**
     * The entry's write tag is held back because its frame holds translated code of this CPU
     * ({@link #codeFrame}): stores take the slow path, which sets {@link #codeWritten}. The entry
     * is otherwise writable (the walk and the memory's write check passed), so a store does not
     * walk again.
     */
    final boolean[] tCodeW = new boolean[2 * TLB_SIZE];
    /**
     * The entries filled since they were last cleared by a flush, each listed once ({@link
     * #tListed}); every other entry is invalid, so a flush, the search for a large page's other
     * entries and {@link #holdCodeFrameWrites} visit only these: a guest that touches a few dozen
     * pages between flushes (a PV kernel's MMU hypercalls, an HVM guest's CR3 writes) no longer
     * pays for clearing all 2,048 entries each time.
     */
    private final int[] tFilled = new int[2 * TLB_SIZE];
    private final boolean[] tListed = new boolean[2 * TLB_SIZE];
    private int nFilled;
    /** Whether a 2/4 MiB page may be cached (under several entries): invlpg looks for them only then. */
    private boolean largeCached;
    /**
     * Set by every store (and write probe) that reached a frame holding this CPU's translated
     * code; translated code tests it after its stores and compares its bytes again only then.
     * Cleared by the region that consumes it ({@code Region.verify}).
     */
    boolean codeWritten;
    /**
     * The code epoch: moves whenever code may have changed without this CPU's translated code
     * having compared it since: at every store that sets {@link #codeWritten}, at every batch of
     * the run loop (other CPUs' stores, DMA), at every instruction the interpreter runs for the
     * decoded loop (every serializing one among them) and at {@code invalidateCode}. A region compares its bytes on entry only in an epoch it has not
     * compared them in ({@code Region.enter}).
     */
    long codeEpoch;

    // instruction fetch window (filled by Mmu's fetch from a TLB entry, dropped by every flush):
    // EIP values [fetchEipBase, fetchEipBase + fetchLimit) lie in one RAM page (within the CS
    // limit); the byte at EIP is at host address fetchPage + (EIP - fetchEipBase), a page from a
    // TLB entry. fetchLimit 0 = invalid.
    int fetchEipBase;
    int fetchLimit;
    long fetchPage;
    /** Physical frame of the fetch window, and its decoded-instruction table (null: not looked up yet). */
    long fetchFrame;
    CodePage fetchCode;

    /**
     * The native tier's soft TLB (null: no native tier): a copy of entries of this TLB, emptied
     * by every flush of this one ({@link #flushTlb}, {@link #invlpg}, {@link
     * #holdCodeFrameWrites}, {@code Debug.debugUpdate}'s tag removal), so that it never holds a
     * mapping or a write tag this TLB could not hold.
     */
    org.oxen.x86.cpu.internal.x64.NativeTier nativeTier;

    Paging(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
        for (int i = 0; i < 2 * TLB_SIZE; i++) {
            clearEntry(i); // the arrays start at 0, a valid tag of page 0
        }
        fetchLimit = 0;
    }

    final boolean paging() {
        return cr0 < 0;
    }

    final boolean pae() {
        return (cr4 & 0x20) != 0;
    }

    private void clearEntry(int i) {
        tagR[i] = tagW[i] = tagX[i] = tLin[i] = INVALID;
        tAddr[i] = 0;
    }

    final void flushTlb(boolean all) {
        boolean keepGlobal = !all && (cr4 & 0x80) != 0;
        int kept = 0;
        boolean large = false;
        for (int k = 0; k < nFilled; k++) {
            int i = tFilled[k];
            if (keepGlobal && (tPerm[i] & P_GLOBAL) != 0 && tLin[i] != INVALID) {
                tFilled[kept++] = i;
                large |= (tPerm[i] & 0x10) != 0;
                continue;
            }
            clearEntry(i);
            tListed[i] = false;
        }
        nFilled = kept;
        largeCached = large;
        fetchLimit = 0;
        flushNativeTlb(); // global entries too: the native TLB keeps no G bit
    }

    /** The TLB set (0 or {@link #TLB_SIZE}) the native TLB's entries were filled from (-1: none yet). */
    private int nativeSet = -1;
    /** Native TLB entries filled ({@link #fillNativeTlb}): a statistic. */
    long nativeTlbFills;

    /** Native code is about to run with TLB set {@code set}: its TLB is emptied if it was filled from the other. */
    final void nativeTlbFor(int set) {
        if (set != nativeSet) {
            flushNativeTlb();
            nativeSet = set;
        }
    }

    /**
     * Fills the native TLB's entry for a missed access ({@link NativeContext#MISS_ADDRESS} and
     * {@link NativeContext#MISS_ACCESS}) from this CPU's TLB entry in {@code set} (the current
     * privilege level's, which the native TLB was filled from: {@link #nativeTlbFor}), walking
     * the page tables first if that entry lacks the access's tag ({@link #translate}: the
     * accessed and dirty bits set as the access's own walk would, just before it happens); false
     * when it cannot (the access crosses the page; the walk faults: the decoded loop then runs
     * the instruction, which raises the #PF; a store the CPU must see: a frame holding translated
     * code, a watched or read-only page; not RAM), and the decoded loop runs the instruction.
     */
    final boolean fillNativeTlb(int linear, int access, int set) {
        int size = access & 0xFF;
        boolean write = (access & NativeContext.MISS_WRITE) != 0;
        int page = linear & PAGE_FRAME;
        if (((linear + size - 1) & PAGE_FRAME) != page) return false;
        int i = tlbEntry(set, linear);
        if (tLin[i] != page || (write ? tagW[i] : tagR[i]) != page) {
            try {
                i = translate(linear, write ? ACC_WRITE : ACC_READ, set);
            } catch (Fault f) { // not the common path: the instruction faults in the decoded loop
                return false;
            }
        }
        if (tAddr[i] == 0) return false;
        int read = tagR[i] == page ? page : NativeContext.INVALID_TAG;
        int writeTag = tagW[i] == page ? page : NativeContext.INVALID_TAG;
        if ((write ? writeTag : read) == NativeContext.INVALID_TAG) return false;
        nativeTier.fill(page, read, writeTag, tAddr[i]);
        nativeTlbFills++;
        return true;
    }

    /** Empties the native tier's TLB (every flush of this one, and a change of the set it was filled from). */
    final void flushNativeTlb() {
        if (nativeTier != null) nativeTier.flushTlb();
    }

    final void invlpg(int lin) {
        int page = lin & 0xFFFFF000;
        for (int set = 0; set < 2 * TLB_SIZE; set += TLB_SIZE) {
            int i = tlbEntry(set, lin);
            if (tLin[i] == page) {
                clearEntry(i);
            }
        }
        // a 2/4 MiB page may be cached under several entries: drop those too
        for (int k = 0; largeCached && k < nFilled; k++) {
            int i = tFilled[k];
            if (tLin[i] != INVALID && (tPerm[i] & 0x10) != 0 && ((tLin[i] ^ page) & largeMask()) == 0) {
                clearEntry(i);
            }
        }
        fetchLimit = 0;
        if (nativeTier != null) {
            // a large page is under several native entries, one per 4 KiB page: drop them all
            if (largeCached) nativeTier.flushTlb();
            else nativeTier.invalidatePage(page);
        }
    }

    private int largeMask() {
        return pae() ? 0xFFE00000 : 0xFFC00000;
    }

    final void loadPdptes() {
        if (paging() && pae()) {
            long base = (cr3 & 0xFFFFFFE0L);
            for (int i = 0; i < 4; i++) {
                pdpte[i] = mem.read64(base + 8 * i);
            }
        }
    }

    // ---- translation ----

    static final int ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2;

    /**
     * Translates {@code lin} for an access, filling the TLB of set {@code set}; returns the TLB
     * index. Throws #PF.
     */
    final int translate(int lin, int acc, int set) {
        int page = lin & 0xFFFFF000;
        int i = tlbEntry(set, lin);
        if (tLin[i] == page) {
            int p = tPerm[i];
            if (acc == ACC_READ || (acc == ACC_EXEC && (p & P_EXEC) != 0)
                    || (acc == ACC_WRITE && (p & (P_WRITE | P_DIRTY)) == (P_WRITE | P_DIRTY)
                        && (tagW[i] == page || tCodeW[i] || tAddr[i] == 0 || !dataTagsAllowed(set)))) {
                if (acc == ACC_WRITE && tagW[i] != page && tAddr[i] != 0
                        && (tCodeW[i] || codeFrame(tPhys[i] >>> 12))) {
                    codeWritten = true; // (the second test: entries without data tags, e.g. breakpoints)
                    codeEpoch++;
                }
                return i;
            }
            // a store to a RAM page whose write tag the memory held back (write watching, ROM):
            // walk again so that the fill asks the memory with writing = true
        }
        boolean user = set != 0;
        long phys;
        int perm;
        if (!paging()) {
            phys = page & 0xFFFFFFFFL;
            perm = P_WRITE | P_DIRTY | P_EXEC;
        } else if (!pae()) {
            long pdeA = (cr3 & 0xFFFFF000L) + ((lin >>> 22) << 2);
            int pde = mem.read32(pdeA);
            if ((pde & 1) == 0) {
                throw pageFault(lin, acc, user, 0);
            }
            boolean wp = (cr0 & 0x10000) != 0;
            if ((pde & 0x80) != 0 && (cr4 & 0x10) != 0) {
                checkPerm(lin, acc, user, pde, 0, wp);
                int npde = pde | 0x20 | (acc == ACC_WRITE ? 0x40 : 0);
                if (npde != pde) {
                    mem.write32(pdeA, npde);
                }
                phys = ((pde & 0xFFC00000L) | (lin & 0x3FF000)) & 0xFFFFFFFFL;
                perm = permOf(user, wp, pde, false) | ((npde & 0x40) != 0 ? P_DIRTY : 0)
                        | ((pde & 0x100) != 0 ? P_GLOBAL : 0) | 0x10;
            } else {
                long pteA = (pde & 0xFFFFF000L) + (((lin >>> 12) & 0x3FF) << 2);
                int pte = mem.read32(pteA);
                if ((pte & 1) == 0) {
                    throw pageFault(lin, acc, user, 0);
                }
                int comb = pde & pte | 1;
                checkPerm(lin, acc, user, comb, 0, wp);
                if ((pde & 0x20) == 0) {
                    mem.write32(pdeA, pde | 0x20);
                }
                int npte = pte | 0x20 | (acc == ACC_WRITE ? 0x40 : 0);
                if (npte != pte) {
                    mem.write32(pteA, npte);
                }
                phys = pte & 0xFFFFF000L;
                perm = permOf(user, wp, comb, false) | ((npte & 0x40) != 0 ? P_DIRTY : 0)
                        | ((pte & 0x100) != 0 ? P_GLOBAL : 0);
            }
        } else {
            boolean nxe = (efer & 0x800) != 0;
            long rsvd = nxe ? 0x7FFFFFF000000000L : 0xFFFFFFF000000000L;
            long e3 = pdpte[lin >>> 30];
            if ((e3 & 1) == 0) {
                throw pageFault(lin, acc, user, 0);
            }
            long pdeA = (e3 & 0xFFFFFF000L) + (((lin >>> 21) & 0x1FF) << 3);
            long pde = mem.read64(pdeA);
            if ((pde & 1) == 0) {
                throw pageFault(lin, acc, user, 0);
            }
            if ((pde & rsvd) != 0) {
                throw pageFault(lin, acc, user, 8 | 1);
            }
            boolean wp = (cr0 & 0x10000) != 0;
            if ((pde & 0x80) != 0) {
                if ((pde & 0x1FE000L) != 0) {
                    throw pageFault(lin, acc, user, 8 | 1);
                }
                int comb = (int) pde;
                checkPerm(lin, acc, user, comb, pde, wp);
                long npde = pde | 0x20 | (acc == ACC_WRITE ? 0x40 : 0);
                if (npde != pde) {
                    mem.write64(pdeA, npde);
                }
                phys = (pde & 0xFFFE00000L) | (lin & 0x1FF000);
                perm = permOf(user, wp, comb, pde < 0 && nxe) | ((npde & 0x40) != 0 ? P_DIRTY : 0)
                        | ((pde & 0x100) != 0 ? P_GLOBAL : 0) | 0x10;
            } else {
                long pteA = (pde & 0xFFFFFF000L) + (((lin >>> 12) & 0x1FF) << 3);
                long pte = mem.read64(pteA);
                if ((pte & 1) == 0) {
                    throw pageFault(lin, acc, user, 0);
                }
                if ((pte & rsvd) != 0) {
                    throw pageFault(lin, acc, user, 8 | 1);
                }
                int comb = (int) pde & (int) pte | 1;
                long nx = (pde | pte) & (nxe ? Long.MIN_VALUE : 0);
                checkPerm(lin, acc, user, comb, nx, wp);
                if ((pde & 0x20) == 0) {
                    mem.write64(pdeA, pde | 0x20);
                }
                long npte = pte | 0x20 | (acc == ACC_WRITE ? 0x40 : 0);
                if (npte != pte) {
                    mem.write64(pteA, npte);
                }
                phys = pte & 0xFFFFFF000L;
                perm = permOf(user, wp, comb, nx != 0) | ((npte & 0x40) != 0 ? P_DIRTY : 0)
                        | ((pte & 0x100) != 0 ? P_GLOBAL : 0);
            }
        }
        if ((cr4 & 0x80) == 0) {
            perm &= ~P_GLOBAL;
        }
        if (!tListed[i]) {
            tListed[i] = true;
            tFilled[nFilled++] = i;
        }
        largeCached |= (perm & 0x10) != 0;
        tLin[i] = page;
        tPhys[i] = phys;
        tPerm[i] = perm;
        long host = direct == null ? 0 : direct.directAddress(phys, false);
        tAddr[i] = host;
        if (host != 0) {
            boolean data = dataTagsAllowed(set);
            tagR[i] = data ? page : INVALID;
            tagX[i] = (perm & P_EXEC) != 0 ? page : INVALID;
            // the write tag only for a store (asking for the page for writing marks it committed):
            // a read fill leaves it unfilled, so the first store walks again with ACC_WRITE
            boolean writable = data && acc == ACC_WRITE && (perm & (P_WRITE | P_DIRTY)) == (P_WRITE | P_DIRTY)
                    && direct.directAddress(phys, true) == host && direct.directWrite(phys, acc == ACC_WRITE);
            boolean code = writable && codeFrame(phys >>> 12);
            tagW[i] = writable && !code ? page : INVALID;
            tCodeW[i] = code;
            if (code && acc == ACC_WRITE) {
                codeWritten = true;
                codeEpoch++;
            }
        } else {
            tagR[i] = tagW[i] = tagX[i] = INVALID;
            tCodeW[i] = false;
        }
        return i;
    }

    private static int permOf(boolean user, boolean wp, int comb, boolean nx) {
        boolean w = (comb & 2) != 0 || (!user && !wp);
        return (w ? P_WRITE : 0) | (nx ? 0 : P_EXEC);
    }

    private void checkPerm(int lin, int acc, boolean user, int comb, long nx, boolean wp) {
        if (user && (comb & 4) == 0) {
            throw pageFault(lin, acc, user, 1);
        }
        if (acc == ACC_WRITE && (comb & 2) == 0 && (user || wp)) {
            throw pageFault(lin, acc, user, 1);
        }
        if (acc == ACC_EXEC && nx != 0) {
            throw pageFault(lin, acc, user, 1);
        }
    }

    final Fault pageFault(int lin, int acc, boolean user, int bits) {
        int err = bits | (acc == ACC_WRITE ? 2 : 0) | (user ? 4 : 0);
        if (acc == ACC_EXEC && pae() && (efer & 0x800) != 0) {
            err |= 16;
        }
        faultAddr = lin;
        return raise(PF_V, err);
    }

    /** Physical address of {@code lin} for a supervisor/user access (slow path). */
    final long physOf(int lin, int acc, int set) {
        int i = translate(lin, acc, set);
        return tPhys[i] | (lin & 0xFFF);
    }

    /** Frame mapped at {@code lin} by the current page tables (no side effects), or -1. */
    final long frameOf(int lin) {
        if (!paging()) return (lin & 0xFFFFFFFFL) >>> 12;
        if (!pae()) {
            int pde = mem.read32((cr3 & 0xFFFFF000L) + ((lin >>> 22) << 2));
            if ((pde & 1) == 0) return -1;
            if ((pde & 0x80) != 0 && (cr4 & 0x10) != 0) return ((pde & 0xFFC00000L) | (lin & 0x3FF000)) >>> 12;
            int pte = mem.read32((pde & 0xFFFFF000L) + (((lin >>> 12) & 0x3FF) << 2));
            return (pte & 1) == 0 ? -1 : (pte & 0xFFFFF000L) >>> 12;
        }
        long e3 = pdpte[lin >>> 30];
        if ((e3 & 1) == 0) return -1;
        long pde = mem.read64((e3 & 0xFFFFFF000L) + (((lin >>> 21) & 0x1FF) << 3));
        if ((pde & 1) == 0) return -1;
        if ((pde & 0x80) != 0) return ((pde & 0xFFFE00000L) | (lin & 0x1FF000)) >>> 12;
        long pte = mem.read64((pde & 0xFFFFFF000L) + (((lin >>> 12) & 0x1FF) << 3));
        return (pte & 1) == 0 ? -1 : (pte & 0xFFFFFF000L) >>> 12;
    }

    /** Whether the TLB may fill the data (read/write) tags of {@code set}; see {@code Debug}. */
    abstract boolean dataTagsAllowed(int set);

    /** Whether physical frame {@code frame} holds code this CPU translated (its stores must be seen). */
    abstract boolean codeFrame(long frame);

    /**
     * Frame {@code frame} now holds translated code: every TLB entry that could store into it
     * without the slow path loses its write tag (write tracking of code frames, as QEMU's
     * TLB_NOTDIRTY).
     */
    final void holdCodeFrameWrites(long frame) {
        for (int k = 0; k < nFilled; k++) {
            int i = tFilled[k];
            if (tagW[i] != INVALID && tPhys[i] >>> 12 == frame) {
                tagW[i] = INVALID;
                tCodeW[i] = true;
            }
        }
        flushNativeTlb(); // its entries do not name frames: any may hold a write tag into this one
    }

    // ---- the TLB probe (the fast path of every tier: these accessors and translated code) ----

    /** The TLB entry of linear address {@code lin} in {@code set} (0: supervisor, TLB_SIZE: user). */
    static int tlbEntry(int set, int lin) {
        return set + ((lin >>> 12) & TLB_MASK);
    }

    /** The page-frame bits of a linear address (a TLB tag is a page's). */
    static final int PAGE_FRAME = 0xFFFFF000;

    /** The last offset in a page at which an access of {@code bytes} bytes stays inside it. */
    static int lastOffset(int bytes) {
        return 0x1000 - bytes;
    }

    /**
     * Whether an access of {@code bytes} bytes at {@code lin} may use the page array behind
     * {@code tag} (a TLB entry's read or write tag, or the page a translated access site cached
     * from one): the tag is {@code lin}'s page and the access does not cross it. Translated code
     * emits this test from the same two parts ({@code RegionEmitter.tlbHit}: a boolean returned
     * and tested again cost x86bench mix about 2 % there).
     */
    static boolean tlbHit(int tag, int lin, int bytes) {
        return tag == (lin & PAGE_FRAME) && (lin & ~PAGE_FRAME) <= lastOffset(bytes);
    }
}
