package org.oxen.vmm.core.grant;

import static org.oxen.vmm.abi.GrantTable.ENTRY_FRAME;
import static org.oxen.vmm.abi.GrantTable.ENTRY_V1_SIZE;
import static org.oxen.vmm.abi.GrantTable.GNTST_GENERAL_ERROR;
import static org.oxen.vmm.abi.GrantTable.GNTST_OKAY;
import static org.oxen.vmm.abi.GrantTable.GTF_PERMIT_ACCESS;
import static org.oxen.vmm.abi.GrantTable.GTF_READING;
import static org.oxen.vmm.abi.GrantTable.GTF_READONLY;
import static org.oxen.vmm.abi.GrantTable.GTF_SUB_PAGE;
import static org.oxen.vmm.abi.GrantTable.GTF_TYPE_MASK;
import static org.oxen.vmm.abi.GrantTable.GTF_WRITING;

import java.util.Arrays;

import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.x86.api.Ram;

/**
 * One domain's grant table (Xen's struct grant_table), v1: the shared frames holding the guest's
 * {@code grant_entry_v1}s, the hypervisor's active entries (pin counts, the pinning domain, the
 * frame, and the page and type references the pins hold) and the maptrack (this domain's own
 * mappings of other domains' grants, by handle).
 *
 * <p>Design: the shared entries are guest memory; the flags/domid word is read once and changed
 * only by compare-and-set, up to five attempts, as Xen's _set_status_v1 (a guest racing the
 * hypervisor fails the operation, never loops it). The active entry is the hypervisor's own
 * record, so once a grant is pinned nothing the guest writes into its entry changes what is
 * mapped: revoking access while mapped takes effect at the last unmap. A destroyed domain's
 * table becomes {@link #dead}: its frames went back to the pool (but for frames still pinned,
 * which {@link Grants} keeps alive), so nothing is written into its shared frames any more; it
 * is forgotten when its last pin goes.
 *
 * <p>Locking: the table's monitor is Xen's grant-table lock and active-entry locks in one; it
 * guards frames, active entries and {@link #dead}. The maptrack has its own monitor
 * ({@link #maptrackLock}, a leaf). Order: a grant table's monitor, then the maptrack lock of any
 * table or the mm lock (see the {@link org.oxen.vmm.core} package documentation); two grant
 * tables' monitors are never held together.
 */
public final class GrantTable {

    /** Xen's default opt_max_grant_frames. */
    public static final int MAX_FRAMES = 64;
    /** INITIAL_NR_GRANT_FRAMES: the frame every domain has from its creation. */
    public static final int INITIAL_FRAMES = 1;
    public static final int ENTRIES_PER_FRAME = 4096 / ENTRY_V1_SIZE;
    /** Handles a domain may hold: Xen's default opt_max_maptrack_frames (1024) of 256 entries. */
    public static final int MAX_MAPTRACK = 1024 * 256;

    /** GNTPIN_*: four 8-bit counts in one int (host write, host read, device write, device read). */
    static final int HSTW_INC = 1, HSTR_INC = 1 << 8, DEVW_INC = 1 << 16, DEVR_INC = 1 << 24;
    static final int WRITE_PINS = 0x00FF00FF;
    /** A pin count at 128: refuse more (Xen's counter-overflow check). */
    static final int PIN_OVERFLOW = 0x80808080;

    final int domid;
    /** The domain, or null for Domain-0 (the Java host: a maptrack only). */
    final DomainImpl domain;
    private final Ram ram;

    private final int[] frames = new int[MAX_FRAMES];
    private int nrFrames;
    int[] pin = new int[0];
    int[] actDomid = new int[0];
    int[] actMfn = new int[0];
    /** Page references (on actMfn) held by the mappings and copies that pin the entry. */
    int[] actRefs = new int[0];
    /** Writable type references held likewise. */
    int[] actTypeRefs = new int[0];
    /** Entries with a non-zero pin. */
    int pinned;
    boolean dead;

    final Object maptrackLock = new Object();
    private int[] mtFlags = new int[0];
    private int[] mtDomid = new int[0];
    private int[] mtRef = new int[0];
    /** The machine address of a host mapping's PTE (PV), or -1. */
    private long[] mtPte = new long[0];
    private int mtUsed;

    GrantTable(int domid, DomainImpl domain, Ram ram) {
        this.domid = domid;
        this.domain = domain;
        this.ram = ram;
    }

    // ---- frames (under the monitor) ----

    /** The frames of the shared table (what GNTTABOP_setup_table gives the guest). */
    public synchronized int nrFrames() {
        return nrFrames;
    }

    public synchronized int frame(int i) {
        return frames[i];
    }

    /** Adds a frame (gnttab_grow_table); the active entries grow with it. */
    void addFrame(int mfn) {
        frames[nrFrames++] = mfn;
        int n = nrFrames * ENTRIES_PER_FRAME;
        pin = Arrays.copyOf(pin, n);
        actDomid = Arrays.copyOf(actDomid, n);
        actMfn = Arrays.copyOf(actMfn, n);
        actRefs = Arrays.copyOf(actRefs, n);
        actTypeRefs = Arrays.copyOf(actTypeRefs, n);
    }

    int[] framesCopy() {
        return Arrays.copyOf(frames, nrFrames);
    }

    /** nr_grant_entries. */
    int nrEntries() {
        return nrFrames * ENTRIES_PER_FRAME;
    }

    // ---- shared entries (guest memory; under the monitor) ----

    long entryAddress(int ref) {
        return ((long) frames[ref / ENTRIES_PER_FRAME] << 12) + (long) (ref % ENTRIES_PER_FRAME) * ENTRY_V1_SIZE;
    }

    /** The {flags, domid} word of entry {@code ref}. */
    int combo(int ref) {
        return ram.readVolatile32(entryAddress(ref));
    }

    boolean casCombo(int ref, int expect, int update) {
        return ram.compareAndSet32(entryAddress(ref), expect, update);
    }

    int entryFrame(int ref) {
        return ram.read32(entryAddress(ref) + ENTRY_FRAME);
    }

    void setEntryFrame(int ref, int frame) {
        ram.write32(entryAddress(ref) + ENTRY_FRAME, frame);
    }

    long entryRaw(int ref) {
        return ram.read64(entryAddress(ref));
    }

    void setEntryRaw(int ref, long v) {
        ram.write64(entryAddress(ref), v);
    }

    /**
     * _set_status_v1: checks the entry (unless already pinned: type permit_access, no sub_page
     * for a map, granted to {@code ldomid}) and sets GTF_reading, plus GTF_writing for write
     * access (refused for a GTF_readonly grant), by compare-and-set, at most five attempts.
     */
    int setStatus(int ref, boolean readonly, boolean mapflag, int ldomid) {
        int mask = GTF_TYPE_MASK | (mapflag ? GTF_SUB_PAGE : 0);
        int cur = combo(ref);
        for (int retries = 0;; retries++) {
            int flags = cur & 0xFFFF;
            int dom = cur >>> 16;
            if (pin[ref] == 0 && ((flags & mask) != GTF_PERMIT_ACCESS || dom != ldomid)) return GNTST_GENERAL_ERROR;
            int nflags = flags | GTF_READING;
            if (!readonly) {
                if ((flags & GTF_READONLY) != 0) return GNTST_GENERAL_ERROR;
                nflags |= GTF_WRITING;
            }
            int upd = (cur & 0xFFFF0000) | nflags;
            if (casCombo(ref, cur, upd)) return GNTST_OKAY;
            if (retries == 4) return GNTST_GENERAL_ERROR; // "Shared grant entry is unstable"
            cur = combo(ref);
        }
    }

    /** gnttab_clear_flags: atomically clears {@code bits} of entry {@code ref}'s flags (not when dead). */
    void clearFlags(int ref, int bits) {
        if (dead || bits == 0) return;
        long a = entryAddress(ref);
        for (;;) {
            int cur = ram.readVolatile32(a);
            if ((cur & bits) == 0 || ram.compareAndSet32(a, cur, cur & ~bits)) return;
        }
    }

    /** After a pin went: clears GTF_writing when no write pin is left (if it was a write), GTF_reading when none. */
    void clearFlagsAfterUnpin(int ref, boolean wasWrite) {
        int bits = 0;
        if (wasWrite && (pin[ref] & WRITE_PINS) == 0) bits |= GTF_WRITING;
        if (pin[ref] == 0) bits |= GTF_READING;
        clearFlags(ref, bits);
    }

    void addPin(int ref, int inc) {
        if (pin[ref] == 0) pinned++;
        pin[ref] += inc;
    }

    void removePin(int ref, int inc) {
        pin[ref] -= inc;
        if (pin[ref] == 0) pinned--;
    }

    // ---- maptrack (this domain as grantee) ----

    /** get_maptrack_handle: the lowest free handle, or -1 when {@link #MAX_MAPTRACK} are in use. */
    int newHandle(int flags, int rdomid, int ref) {
        synchronized (maptrackLock) {
            if (mtUsed == MAX_MAPTRACK) return -1;
            int h = 0;
            int n = mtFlags.length;
            while (h < n && mtFlags[h] != 0) h++;
            if (h == n) {
                int m = Math.min(MAX_MAPTRACK, Math.max(256, n * 2));
                mtFlags = Arrays.copyOf(mtFlags, m);
                mtDomid = Arrays.copyOf(mtDomid, m);
                mtRef = Arrays.copyOf(mtRef, m);
                mtPte = Arrays.copyOf(mtPte, m);
            }
            mtFlags[h] = flags;
            mtDomid[h] = rdomid;
            mtRef[h] = ref;
            mtPte[h] = -1;
            mtUsed++;
            return h;
        }
    }

    void setPte(int handle, long pa) {
        synchronized (maptrackLock) {
            mtPte[handle] = pa;
        }
    }

    /**
     * The live mapping whose host PTE was at machine address {@code from} now has it at
     * {@code to} (unmap_and_replace moved the PTE); nothing if none had it.
     */
    void movePte(long from, long to) {
        synchronized (maptrackLock) {
            for (int h = 0; h < mtFlags.length; h++) {
                if (mtFlags[h] != 0 && mtPte[h] == from) {
                    mtPte[h] = to;
                    return;
                }
            }
        }
    }

    /** The maptrack entry as {flags, domid, ref}, or null for a handle out of range or free. */
    int[] mapping(int handle) {
        synchronized (maptrackLock) {
            if (handle < 0 || handle >= mtFlags.length || mtFlags[handle] == 0) return null;
            return new int[] {mtFlags[handle], mtDomid[handle], mtRef[handle]};
        }
    }

    /** Clears flag bits of a handle's entry; frees the handle once no map flag is left. */
    void clearMapping(int handle, int bits, int mapFlags) {
        synchronized (maptrackLock) {
            mtFlags[handle] &= ~bits;
            if ((mtFlags[handle] & mapFlags) == 0) {
                mtFlags[handle] = 0;
                mtUsed--;
            }
        }
    }

    /** Takes every live maptrack entry (domain destruction): {flags, domid, ref, PTE address} each. */
    long[][] takeAllMappings() {
        synchronized (maptrackLock) {
            long[][] out = new long[mtUsed][];
            int k = 0;
            for (int h = 0; h < mtFlags.length; h++) {
                if (mtFlags[h] != 0) {
                    out[k++] = new long[] {mtFlags[h], mtDomid[h], mtRef[h], mtPte[h]};
                    mtFlags[h] = 0;
                }
            }
            mtUsed = 0;
            return out;
        }
    }

    /**
     * Trace point of a grant map or unmap of this table's entry {@code ref} by {@code mapper}:
     * TRC_MEM_PAGE_GRANT_MAP/UNMAP {granter, mapper, ref}.
     */
    void trace(int event, int mapper, int ref) {
        DomainImpl d = domain;
        if (d != null && d.trace.on(org.oxen.vmm.abi.Trace.TRC_MEM)) d.trace.trace3(event, domid, mapper, ref);
    }

    /** Active entries pinned by a mapping or copy now (metrics: granted pages mapped). */
    public synchronized int pinnedEntries() {
        return pinned;
    }

    /** Maptrack entries in use (metrics: grants this domain maps). */
    public int mapsHeld() {
        return mappingsInUse();
    }

    int mappingsInUse() {
        synchronized (maptrackLock) {
            return mtUsed;
        }
    }

    @Override
    public String toString() {
        return "grant table of d" + domid;
    }
}
