package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.abi.StartInfo;
import org.oxen.vmm.abi.VcpuGuestContext;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.PvConsoleRing;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.build.DomainBuilder;
import org.oxen.vmm.core.build.DomainImageBuilder;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuContext;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.hypercall.HypercallDispatcher;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.Ram;

/**
 * The restore side (libxc's xc_sr_restore.c and xc_sr_restore_x86_pv.c) as the builder of the
 * new domain ({@link DomainImageBuilder}): reads the records after DOMAIN_CONFIG up to END,
 * giving each pfn a new machine frame when first named, writing pages as they come and
 * localising page tables (pfns back to the new frames). After END, in libxc's order: shared_info
 * (vcpu_info and arch kept, every event pending cleared and masked, as handle_shared_info), the
 * guest's own P2M rewritten in the pages X86_PV_P2M_FRAMES names, the pinned tables pinned
 * (L3s, then L2s, then L1s: each validated by the hypervisor's own rules, so a table that
 * maps what it may not fails here, never trusted), every vcpu's context through
 * arch_set_info_guest (CR3 takes its type reference and validates what is not pinned), and
 * start_info rewritten: shared_info's new address, the store and console frames (the guest
 * left pfns there) and new event channels for both, as libxc and libxl do. Any failure throws;
 * the caller then releases every frame of the domain (the builder contract), so nothing leaks.
 */
public final class DomainRestorer extends StreamRestorer {

    private final HypercallDispatcher hypercalls;
    // what the records said so far (a restorer serves one restore)
    private final byte[] page = new byte[4096];
    private boolean pvInfo;
    private byte[] types;
    private long[] p2mFrames;
    private int p2mEnd = -1;
    private VcpuContext[] contexts;
    private ByteBuffer[] states;

    public DomainRestorer(StreamReader r, SavedConfig cfg, FramePool pool, PageTables pt, HypercallDispatcher hypercalls) {
        super(r, cfg, pool, pt);
        this.hypercalls = hypercalls;
    }

    /** Reads DOMAIN_CONFIG, which must be the first record. */
    public static SavedConfig readConfig(StreamReader r) throws IOException {
        int t = r.next();
        if (t != REC_DOMAIN_CONFIG) {
            throw new StreamFormatException(r.where() + ": the first record must be DOMAIN_CONFIG");
        }
        return SavedConfig.decode(r);
    }

    @Override
    Built restore(DomainImpl d) throws IOException, DomainBuildException {
        DomainMemory dm = d.memory();
        int sharedInfo = DomainBuilder.allocateHypervisorFrames(pool, pt, d);
        types = new byte[cfg.pfns()];
        contexts = new VcpuContext[d.vcpuCount()];
        states = new ByteBuffer[d.vcpuCount()];
        readRecords((t, b) -> record(d, dm, t, b));
        if (shared == null || contexts[0] == null || p2mFrames == null) {
            throw new StreamFormatException("the stream ended (" + r.where() + ") without "
                    + (shared == null ? "SHARED_INFO" : contexts[0] == null ? "vcpu 0's context" : "X86_PV_P2M_FRAMES"));
        }
        writeSharedInfo(sharedInfo, shared);
        writeGuestP2m(dm, p2mFrames, p2mEnd);
        pin(d, dm, types);
        d.vmAssist = cfg.vmAssist();
        for (int i = 0; i < contexts.length; i++) {
            if (contexts[i] != null) setVcpu(d, d.vcpu(i), contexts[i], states[i]);
        }
        for (int i = 0; i < d.vcpuCount(); i++) PvVcpu.of(d.vcpu(i)).mapGdt();
        long startInfo = startInfo(d, dm, sharedInfo, contexts[0]);
        d.log(String.format("restored: %d pages, start_info at mfn 0x%x", pagesReceived, startInfo));
        return () -> String.format("restored from a stream: %d pages, start_info mfn 0x%x", pagesReceived, startInfo);
    }

    /** A PV record (TOOLSTACK and SHARED_INFO are the base's). */
    private void record(DomainImpl d, DomainMemory dm, int t, ByteBuffer b) throws IOException, DomainBuildException {
        switch (t) {
            case REC_X86_PV_INFO -> {
                r.need(2, "the guest width and levels");
                int width = b.get(), levels = b.get();
                if (width != GUEST_WIDTH || levels != PT_LEVELS) {
                    throw new StreamFormatException(r.where() + ": a guest of width " + width + " with " + levels
                            + "-level page tables; oxen restores 32-bit PAE guests (width 4, 3 levels)");
                }
                pvInfo = true;
            }
            case REC_PAGE_DATA -> {
                if (!pvInfo) throw new StreamFormatException(r.where() + ": PAGE_DATA before X86_PV_INFO");
                pageData(d, dm, types, page);
            }
            case REC_X86_PV_P2M_FRAMES -> {
                r.need(8, "the P2M's pfn range");
                int start = b.getInt();
                p2mEnd = b.getInt();
                if (start != 0 || p2mEnd < 0 || p2mEnd >= cfg.pfns()) {
                    throw new StreamFormatException(r.where() + ": P2M pfns " + start + ".." + p2mEnd + " (want 0..n,"
                            + " n below " + cfg.pfns() + ")");
                }
                int n = ((p2mEnd + 1) * 4 + 4095) / 4096;
                r.need(8 * n, n + " P2M frames");
                p2mFrames = new long[n];
                for (int i = 0; i < n; i++) p2mFrames[i] = b.getLong();
            }
            case REC_X86_PV_VCPU_BASIC -> {
                r.need(VcpuRecords.BASIC_SIZE, "a vcpu context");
                int id = b.getInt();
                b.getInt();
                if (id < 0 || id >= contexts.length) {
                    throw new StreamFormatException(r.where() + ": vcpu " + id + " of a domain with " + contexts.length);
                }
                contexts[id] = VcpuRecords.decode(b);
            }
            case REC_VCPU_STATE -> {
                r.need(VcpuRecords.STATE_SIZE_NO_IOBITMAP, "a vcpu's state");
                int id = b.getInt(0);
                if (id < 0 || id >= states.length) {
                    throw new StreamFormatException(r.where() + ": vcpu " + id + " of a domain with " + states.length);
                }
                VcpuRecords.checkPeriod(b.getLong(8), r.where(), id);
                byte[] copy = new byte[VcpuRecords.STATE_SIZE]; // an older record's bitmap: none (zeros)
                b.get(copy, 0, Math.min(b.remaining(), copy.length));
                states[id] = ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            }
            default -> throw new StreamFormatException(r.where() + ": a record oxen does not restore here");
        }
    }

    private void pageData(DomainImpl d, DomainMemory dm, byte[] types, byte[] page) throws IOException,
            DomainBuildException {
        ByteBuffer b = r.body();
        long[] entries = r.pageBatch((i, e, type, pfn) -> {
            if ((e & ~PFN_MASK & ~(0xFL << TYPE_SHIFT)) != 0 || pfn >= cfg.pfns()) {
                throw new StreamFormatException(String.format("%s: entry %d: pfn 0x%x%s", r.where(), i, pfn,
                        pfn >= cfg.pfns() ? " is beyond the domain's " + cfg.pfns() + " pfns" : " has reserved bits set"));
            }
            int base = type & TYPE_LTAB_MASK;
            if (type != TYPE_XTAB && (base > TYPE_L3TAB || (base == TYPE_NOTAB && type != TYPE_NOTAB))) {
                throw new StreamFormatException(String.format("%s: entry %d: pfn 0x%x has type 0x%x, not one oxen restores",
                        r.where(), i, pfn, type));
            }
        });
        for (int i = 0; i < entries.length; i++) {
            int type = (int) (entries[i] >>> TYPE_SHIFT);
            int pfn = (int) (entries[i] & PFN_MASK);
            if (type == TYPE_XTAB) {
                int mfn = dm.p2m(pfn);
                if (mfn >= 0) {
                    synchronized (pool) {
                        pool.free(mfn);
                    }
                    dm.clearP2m(pfn);
                    dm.adjustTotPages(-1);
                }
                types[pfn] = (byte) TYPE_XTAB;
                continue;
            }
            b.get(page);
            int base = type & TYPE_LTAB_MASK;
            if (base != TYPE_NOTAB) {
                try {
                    PageTableFrames.rewrite(page, 0, base, false, (f, what) -> frameOf(d, dm, f, what),
                            "pfn " + pfn + " (" + typeName(type) + ")");
                } catch (VcpuRecords.FrameMap.Unmappable e) {
                    throw new StreamFormatException(r.where() + ": " + e.getMessage());
                }
            }
            int mfn = (int) frameOf(d, dm, pfn);
            writePage(mfn, page);
            types[pfn] = (byte) type;
            pagesReceived++;
        }
    }

    /** The pfn's frame, allocated when first named. */
    private long frameOf(DomainImpl d, DomainMemory dm, long pfn, String what) throws VcpuRecords.FrameMap.Unmappable {
        if (pfn < 0 || pfn >= cfg.pfns()) {
            throw new VcpuRecords.FrameMap.Unmappable(what + " names pfn 0x" + Long.toHexString(pfn)
                    + ", beyond the domain's " + cfg.pfns() + " pfns");
        }
        try {
            return frameOf(d, dm, (int) pfn);
        } catch (DomainBuildException e) {
            throw new VcpuRecords.FrameMap.Unmappable(what + ": " + e.getMessage());
        }
    }

    private int frameOf(DomainImpl d, DomainMemory dm, int pfn) throws DomainBuildException {
        return frameOf(pool, dm, cfg, d, pfn);
    }

    /** The pfn's frame, allocated when first named (never beyond the saved maximum reservation). */
    static int frameOf(FramePool pool, DomainMemory dm, SavedConfig cfg, DomainImpl d, int pfn) throws DomainBuildException {
        int mfn = dm.p2m(pfn);
        if (mfn >= 0) return mfn;
        // an HVM domain's special pages (above its RAM) come beside its maximum, as the HVM builder
        // gives them (libxl's LIBXL_HVM_EXTRA_MEMORY); the restorer accepts only the two it has
        if (pfn < dm.p2mCapacity() && (dm.totPages() + 1) * 4L > cfg.maxMemKiB()) {
            throw new DomainBuildException("restore of '" + cfg.name() + "': the stream names more pages than the"
                    + " domain's maximum of " + cfg.maxMemKiB() + " KiB");
        }
        synchronized (pool) {
            mfn = pool.alloc(d.id());
            if (mfn < 0) {
                throw new DomainBuildException("restore of '" + cfg.name() + "': out of machine memory after "
                        + dm.totPages() + " pages (" + pool.freeFrames() + " free)");
            }
            if (pfn < dm.p2mCapacity()) {
                dm.setP2m(pool, pfn, mfn);
            } else {
                dm.hvmPhysmapSet(pool, pfn, mfn); // an HVM domain's special page above its RAM
            }
            dm.adjustTotPages(1);
        }
        return mfn;
    }

    private void writePage(int mfn, byte[] page) {
        writePage(ram, mfn, page);
    }

    /** Writes a page into frame {@code mfn} (a zero page into a fresh frame costs nothing). */
    static void writePage(Ram ram, int mfn, byte[] page) {
        boolean zero = true;
        for (int i = 0; i < 4096 && zero; i++) zero = page[i] == 0;
        long a = (long) mfn << 12;
        if (zero && !ram.isCommitted(a)) return; // a fresh frame reads as zeros already
        ram.load(a, page, 0, 4096);
    }

    /** handle_shared_info: vcpu_info and arch kept; nothing pending, everything masked, no P2M list yet. */
    private void writeSharedInfo(int mfn, byte[] shared) {
        long si = (long) mfn << 12;
        for (int i = 0; i < SharedInfo.EVTCHN_PENDING; i++) ram.write8(si + i, shared[i]);
        for (int i = 0; i < Xen.LEGACY_MAX_VCPUS; i++) ram.write32(si + SharedInfo.vcpuInfo(i) + SharedInfo.VI_PENDING_SEL, 0);
        for (int i = SharedInfo.EVTCHN_PENDING; i < SharedInfo.EVTCHN_MASK; i++) ram.write8(si + i, 0);
        for (int i = SharedInfo.EVTCHN_MASK; i < SharedInfo.WC_VERSION; i++) ram.write8(si + i, 0xFF);
        for (int i = SharedInfo.ARCH; i < 4096; i++) ram.write8(si + i, shared[i]);
        ram.write32(si + SharedInfo.ARCH_PFN_TO_MFN_FRAME_LIST_LIST, 0);
    }

    /** update_guest_p2m: the new frames into the guest's own P2M pages. */
    private void writeGuestP2m(DomainMemory dm, long[] p2mFrames, int p2mEnd) throws StreamFormatException {
        for (int i = 0; i < p2mFrames.length; i++) {
            long pfn = p2mFrames[i];
            int mfn = pfn >= 0 && pfn < cfg.pfns() ? dm.p2m((int) pfn) : -1;
            if (mfn < 0) {
                throw new StreamFormatException("X86_PV_P2M_FRAMES: P2M page " + i + " is pfn 0x" + Long.toHexString(pfn)
                        + ", which the stream gave no page");
            }
            long base = (long) mfn << 12;
            for (int k = 0; k < 1024; k++) {
                int p = i * 1024 + k;
                if (p > p2mEnd) break;
                int f = dm.p2m(p);
                ram.write32(base + 4L * k, f < 0 ? -1 : f);
            }
        }
    }

    /** The pinned tables pinned again, L3s first (they type their slot-3 L2s), then L2s, then L1s. */
    private void pin(DomainImpl d, DomainMemory dm, byte[] types) throws DomainBuildException {
        int[][] order = {{TYPE_L3TAB, PageType.L3}, {TYPE_L2TAB, PageType.L2}, {TYPE_L1TAB, PageType.L1}};
        for (int[] level : order) {
            for (int pfn = 0; pfn < types.length; pfn++) {
                int t = types[pfn] & 0xF;
                if (t == TYPE_XTAB || (t & TYPE_LPINTAB) == 0 || (t & TYPE_LTAB_MASK) != level[0]) continue;
                int mfn = dm.p2m(pfn);
                synchronized (pool) {
                    int rc = pt.getPageAndType(mfn, level[1], dm);
                    if (rc != 0) {
                        throw new DomainBuildException(String.format("restore of '%s' refused: pfn 0x%x, a pinned %s"
                                + " table, does not validate (%d): the stream's page tables map what the domain may not",
                                cfg.name(), pfn, typeName(t & TYPE_LTAB_MASK), rc));
                    }
                    pool.markPinned(mfn);
                }
            }
        }
    }

    private void setVcpu(DomainImpl d, VcpuImpl v, VcpuContext saved, ByteBuffer state) throws DomainBuildException {
        VcpuContext c;
        DomainMemory dm = d.memory();
        try {
            c = VcpuRecords.translate(saved, (pfn, what) -> {
                int mfn = pfn < cfg.pfns() ? dm.p2m((int) pfn) : -1;
                if (mfn < 0) {
                    throw new VcpuRecords.FrameMap.Unmappable(what + " is pfn 0x" + Long.toHexString(pfn)
                            + ", which the stream gave no page");
                }
                return mfn;
            }, v.id() == 0, v.toString());
        } catch (VcpuRecords.FrameMap.Unmappable e) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + e.getMessage());
        }
        long rc = hypercalls.setVcpuContext(v, c);
        if (rc != 0) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + v + "'s context does not"
                    + " validate (" + rc + "): its CR3, GDT or selectors are not what a vcpu may run with");
        }
        if ((c.flags() & VcpuGuestContext.VGCF_I387_VALID) != 0) v.cpu().restoreFpu(c.fpu());
        for (int i = 0; i < 8; i++) {
            if (i != 4 && i != 5 && i != 6) v.cpu().setDr(i, c.debugreg()[i]);
        }
        boolean online = (c.flags() & VcpuGuestContext.VGCF_ONLINE) != 0;
        if (state != null) {
            online = (state.getInt(4) & VcpuRecords.STATE_ONLINE) != 0;
            long period = state.getLong(8);
            if (period >= 0) v.timers().setPeriod(period);
            PvVcpu.of(v).setSysenterCallback(state.getInt(16), state.getInt(20), state.getInt(24));
            if (hypercalls.setIobitmap(v, state.getInt(28), state.getInt(32)) != 0) {
                throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + v + "'s I/O bitmap (0x"
                        + Integer.toHexString(state.getInt(28)) + ", " + Integer.toUnsignedString(state.getInt(32))
                        + " ports) is not one PHYSDEVOP_set_iobitmap accepts");
            }
        }
        v.setOnline(online);
    }

    /**
     * start_info as libxc's process_start_info and libxl leave it: at the pfn vcpu 0's EDX named
     * (now its new frame), shared_info's new machine address, the store and console frames from
     * the pfns the guest left there, new event channels for both (allocated unbound for Domain-0,
     * as at creation). The console page is left as saved (libxc does not touch it): a guest whose
     * ring a backend served writes on into it, and the new domain's backend reads on from its
     * indexes; one that never had a backend keeps writing console_io.
     */
    private long startInfo(DomainImpl d, DomainMemory dm, int sharedInfo, VcpuContext c0) throws DomainBuildException {
        long st = (long) d.vcpu(0).cpu().gpr(org.oxen.x86.cpu.X86Cpu.EDX) & 0xFFFFFFFFL;
        long a = st << 12;
        int storeMfn = guestFrame(dm, ram.read32(a + StartInfo.STORE_MFN), "start_info's store pfn");
        int consoleMfn = guestFrame(dm, ram.read32(a + StartInfo.CONSOLE_MFN), "start_info's console pfn");
        int storePort = d.events().allocUnbound(0, null);
        int consolePort = d.events().allocUnbound(0, null);
        if (storePort < 0 || consolePort < 0) {
            throw new DomainBuildException("cannot allocate the store and console event channels: " + storePort + ", "
                    + consolePort);
        }
        ram.write32(a + StartInfo.SHARED_INFO, sharedInfo << 12);
        ram.write32(a + StartInfo.STORE_MFN, storeMfn);
        ram.write32(a + StartInfo.STORE_EVTCHN, storePort);
        ram.write32(a + StartInfo.CONSOLE_MFN, consoleMfn);
        ram.write32(a + StartInfo.CONSOLE_EVTCHN, consolePort);
        d.setStore(storeMfn, storePort);
        d.setConsoleRing(new PvConsoleRing(consoleMfn, consolePort));
        return st;
    }

    private int guestFrame(DomainMemory dm, int pfn, String what) throws DomainBuildException {
        int mfn = pfn >= 0 && pfn < cfg.pfns() ? dm.p2m(pfn) : -1;
        if (mfn < 0) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + what + " 0x"
                    + Integer.toHexString(pfn) + " is not a page of the domain (did the guest turn it into a pfn"
                    + " before suspending?)");
        }
        return mfn;
    }
}
