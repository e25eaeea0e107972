package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.function.Consumer;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.api.DomainSaveRestore.LiveOptions;
import org.oxen.vmm.api.DomainSaveRestore.Round;
import org.oxen.vmm.api.DomainSaveRestore.Saved;
import org.oxen.vmm.api.DomainSaveRestore.Suspender;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuContext;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.Ram;

/**
 * The save side (libxc's xc_sr_save.c and xc_sr_save_x86_pv.c): writes a domain's state as a
 * stream of {@link StreamFormat}. Non-live, the domain is suspended already; live, every page
 * goes while it runs, then in rounds the pages log-dirty mode saw written (pre-copy), then the
 * domain is suspended and the last dirty pages, every page table, the vcpus and shared_info
 * go. Page tables are canonicalised (machine frames to pfns); a present entry naming a frame
 * outside the domain's pseudo-physical memory (a grant or foreign mapping, shared_info) makes
 * the save fail, as libxc's does, naming the table and entry. An HVM domain that maps another
 * domain's grant into its physmap (a p2m_grant_map entry) is not saved either: libxc's save
 * maps every gfn of the guest to copy it, and Xen refuses to map a grant-mapped gfn for the
 * toolstack (get_page_from_l1e: the frame is the granter's; a PVH Domain-0's p2m_add_foreign:
 * not RAM), so the save fails; oxen refuses before anything is written, naming the gfns and
 * their granters, and never copies a granter's page into a stream. One saver per save; the
 * domain is not changed by a save (a live save turns log-dirty mode on and off again).
 */
public final class DomainSaver {

    /** What the saver needs of the hypervisor. */
    public interface Host {
        void logDirtyEnable(DomainImpl d);

        long[] logDirtyClean(DomainImpl d, int pages);

        long[] logDirtyPeek(DomainImpl d, int pages);

        void logDirtyDisable(DomainImpl d);

        /**
         * Waits until no vcpu of the (suspended) domain is on a pCPU: its SCHEDOP_shutdown has
         * returned and its registers are final (the suspend hypercall's result among them).
         */
        void awaitStopped(DomainImpl d);

        /** The hypervisor's version, major << 16 | minor. */
        int version();

        void log(String line);
    }

    private final Host host;
    private final FramePool pool;
    private final Ram ram;
    private final DomainImpl d;
    private final DomainMemory dm;
    private final StreamWriter w;
    private final byte[] page = new byte[4096];
    private long pagesSent;
    /** The domain's HVM arch, or null for a PV domain. */
    private final HvmVcpuArch hvm;

    public DomainSaver(Host host, FramePool pool, DomainImpl d, OutputStream out) {
        this.host = host;
        this.pool = pool;
        this.ram = pool.ram();
        this.d = d;
        this.dm = d.memory();
        this.w = new StreamWriter(out);
        this.hvm = hvmArch(d);
    }

    private static HvmVcpuArch hvmArch(DomainImpl d) {
        return d.vcpuCount() > 0 && d.vcpu(0).arch() instanceof HvmVcpuArch h ? h : null;
    }

    /** Fails unless the domain is suspended and every vcpu's state can be carried. */
    public static void checkSuspended(DomainImpl d) {
        if (hvmArch(d) != null) {
            // an HVM guest does not cooperate: libxl pauses it (xc_domain_pause), as the toolstack has
            if (d.state() != org.oxen.vmm.api.DomainState.PAUSED) {
                throw new IllegalStateException(d + " is not paused (state " + d.state() + "): an HVM domain is saved"
                        + " paused");
            }
            checkNoGrantMappings(d);
            return;
        }
        if (d.shutdownReason().orElse(null) != ShutdownReason.SUSPEND) {
            throw new IllegalStateException(d + " is not suspended (state " + d.state() + (d.shutdownReason().isPresent()
                    ? ", shut down for " + d.shutdownReason().get().name().toLowerCase() : "")
                    + "): only a domain that suspended itself (SCHEDOP_shutdown SHUTDOWN_suspend) can be saved");
        }
        checkCarriable(d);
    }

    /** Only PV domains are saved (a vcpu_info moved with VCPUOP_register_vcpu_info is not carried,
     * as in Xen: the guest registers it again after its resume in the new domain, Linux's
     * xen_vcpu_restore; an LDT travels in the vcpu's context, an I/O bitmap in VCPU_STATE). */
    static void checkCarriable(DomainImpl d) {
        if (hvmArch(d) != null) {
            checkNoGrantMappings(d);
            return;
        }
        if (d.vcpuCount() == 0 || !(d.vcpu(0).archState() instanceof PvVcpu)) {
            throw new IllegalStateException(d + " is not a PV domain: oxen saves PV domains only");
        }
    }

    /**
     * Fails if the HVM domain has another domain's grant mapped into its physmap (see the class
     * comment): the message names each gfn and the grant's owner.
     */
    static void checkNoGrantMappings(DomainImpl d) {
        DomainMemory dm = d.memory();
        int[] gfns = dm.grantGfns();
        if (gfns.length == 0) return;
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < gfns.length && i < 8; i++) {
            int mfn = dm.p2m(gfns[i]);
            where.append(i == 0 ? "" : ", ").append(String.format("gfn 0x%x", gfns[i]))
                    .append(mfn >= 0 ? " (a frame of d" + d.pool().owner(mfn) + ")" : "");
        }
        if (gfns.length > 8) where.append(" and ").append(gfns.length - 8).append(" more");
        throw new IllegalStateException("cannot save " + d + ": it maps other domains' grants into its physmap at "
                + where + " (Xen's p2m_grant_map entries, which the toolstack cannot map to copy): the guest must"
                + " unmap them (GNTTABOP_unmap_grant_ref) before it is saved");
    }

    /** A suspended domain, all at once. */
    public Saved save(byte[] toolstack) throws IOException {
        long t0 = System.nanoTime();
        checkSuspended(d);
        host.awaitStopped(d);
        begin(toolstack);
        sendPages(allPages(), false, null);
        end();
        return new Saved(pagesSent, w.bytes(), System.nanoTime() - t0);
    }

    /** A running domain, live (see the class comment). */
    public Saved saveLive(byte[] toolstack, LiveOptions options, Suspender suspender, Consumer<Round> progress)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        if (d.isStopped()) throw new IllegalStateException(d + " is not running (state " + d.state() + ")");
        checkCarriable(d);
        begin(toolstack);
        host.logDirtyEnable(d);
        boolean logDirty = true;
        try {
            BitSet skipped = new BitSet();
            BitSet send = allPages();
            int round = 1;
            long lastDirty = Long.MAX_VALUE;
            for (;; round++) {
                long r0 = System.nanoTime(), b0 = w.bytes(), p0 = pagesSent;
                sendPages(send, true, skipped);
                send = dirty();
                long dirty = send.cardinality();
                progress.accept(new Round(round, false, pagesSent - p0, dirty, w.bytes() - b0, System.nanoTime() - r0));
                if (round >= options.maxRounds() || dirty <= options.dirtyThreshold() || dirty >= lastDirty) break;
                lastDirty = dirty;
            }
            suspender.suspend();
            checkSuspended(d);
            // the domain shut down inside its vcpu's hypercall, which may not have returned yet:
            // its registers are read once it has (else EAX may still hold the hypercall number,
            // and the guest resumed on the target takes it for "cancelled")
            host.awaitStopped(d);
            long r0 = System.nanoTime(), b0 = w.bytes(), p0 = pagesSent;
            // suspended: nothing writes any more, so the bitmap is read without re-arming every frame
            send.or(BitSet.valueOf(host.logDirtyPeek(d, dm.nrPages())));
            host.logDirtyDisable(d); // before the last copy, off the downtime's critical path's end
            logDirty = false;
            send.or(skipped);
            if (hvm != null) send.or(hvmSpecialPages()); // above RAM: no dirty bits there, sent again
            sendPages(send, false, null);
            end();
            progress.accept(new Round(round + 1, true, pagesSent - p0, 0, w.bytes() - b0, System.nanoTime() - r0));
            return new Saved(pagesSent, w.bytes(), System.nanoTime() - t0);
        } finally {
            if (logDirty) host.logDirtyDisable(d);
        }
    }

    /**
     * Every pfn the stream carries: a PV domain's 0..nrPages-1; an HVM domain's RAM gfns and its
     * special pages above RAM, but not shared_info's and the grant frames' gfns (HVM_PLATFORM
     * and SHARED_INFO carry those frames: the restorer maps the new domain's own there).
     */
    private BitSet allPages() {
        BitSet all = new BitSet();
        all.set(0, dm.nrPages());
        if (hvm != null) {
            all.or(hvmSpecialPages());
            for (int pfn = 0; pfn < dm.nrPages(); pfn++) {
                if (hvmNotRam(pfn)) all.clear(pfn);
            }
        }
        return all;
    }

    /** An HVM domain's pages above its RAM that are its own (libxc's special pages), not shared_info or grant frames. */
    private BitSet hvmSpecialPages() {
        BitSet s = new BitSet();
        for (int pfn : dm.highPfns()) {
            if (!hvmNotRam(pfn)) s.set(pfn);
        }
        return s;
    }

    /**
     * Whether an HVM domain's {@code pfn} holds shared_info or a grant frame (the hypervisor's
     * frames the guest mapped into its physmap), or another domain's grant (never streamed: a
     * live save skips it in its rounds, and the suspended domain's last check refuses the save
     * while one is mapped).
     */
    private boolean hvmNotRam(int pfn) {
        if (dm.isGrantGfn(pfn)) return true;
        int mfn = dm.p2m(pfn);
        if (mfn < 0) return false;
        if (mfn == d.sharedInfoMfn()) return true;
        org.oxen.vmm.core.grant.GrantTable gt = d.grants();
        if (gt != null) {
            for (int i = 0; i < gt.nrFrames(); i++) {
                if (gt.frame(i) == mfn) return true;
            }
        }
        return false;
    }

    private BitSet dirty() {
        int n = dm.nrPages();
        return BitSet.valueOf(host.logDirtyClean(d, n));
    }

    private void begin(byte[] toolstack) throws IOException {
        if (toolstack.length > 1 << 20) throw new IllegalArgumentException("toolstack data over 1 MiB");
        int v = host.version();
        w.header(hvm != null ? DHDR_TYPE_X86_HVM : DHDR_TYPE_X86_PV, v >>> 16, v & 0xFFFF);
        ByteBuffer b = w.body();
        config().encode(b);
        w.finish(REC_DOMAIN_CONFIG);
        if (hvm != null) {
            HvmRecords.writeInfo(w, d, hvm);
            w.record(REC_TOOLSTACK, toolstack);
            return;
        }
        w.record(REC_TOOLSTACK, toolstack);
        w.body().put((byte) GUEST_WIDTH).put((byte) PT_LEVELS).putShort((short) 0).putInt(0);
        w.finish(REC_X86_PV_INFO);
    }

    private SavedConfig config() {
        return new SavedConfig(d.name(), d.uuid(), d.cmdline(), dm.p2mCapacity(), d.maxMemoryKiB(), d.vcpuCount(),
                d.deterministicTime() != null, d.vmAssist);
    }

    /** P2M frames, vcpus, shared_info, END: the suspended domain's last records. */
    private void end() throws IOException {
        if (hvm != null) {
            HvmRecords.write(w, d, hvm, ram);
            w.body();
            w.finish(REC_END);
            w.flush();
            host.log(String.format("d%d: saved (HVM): %d pages, %d bytes", d.id(), pagesSent, w.bytes()));
            return;
        }
        p2mFrames();
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl v = d.vcpu(i);
            if (!v.initialised()) continue;
            VcpuContext c;
            try {
                c = VcpuRecords.translate(VcpuRecords.capture(v), this::toPfn, i == 0, v.toString());
            } catch (VcpuRecords.FrameMap.Unmappable e) {
                throw new IllegalStateException("cannot save " + v + ": " + e.getMessage());
            }
            ByteBuffer b = w.body();
            b.putInt(i).putInt(0);
            VcpuRecords.encode(c, b);
            w.finish(REC_X86_PV_VCPU_BASIC);
            PvVcpu pv = PvVcpu.of(v);
            w.body().putInt(i).putInt(v.online() ? VcpuRecords.STATE_ONLINE : 0).putLong(v.timers().period())
                    .putInt(pv.sysenterCs()).putInt(pv.sysenterEip()).putInt(pv.sysenterFlags())
                    .putInt(pv.iobmpLimit() == 0 ? 0 : pv.iobmpVa()).putInt(pv.iobmpLimit());
            w.finish(REC_VCPU_STATE);
        }
        long si = (long) d.sharedInfoMfn() << 12;
        ByteBuffer b = w.body();
        for (int i = 0; i < 4096; i += 8) b.putLong(ram.read64(si + i));
        w.finish(REC_SHARED_INFO);
        w.body();
        w.finish(REC_END);
        w.flush();
        host.log(String.format("d%d: saved: %d pages, %d bytes", d.id(), pagesSent, w.bytes()));
    }

    /**
     * X86_PV_P2M_FRAMES from shared_info's arch.pfn_to_mfn_frame_list_list (libxc's map_p2m):
     * the pfns of the pages of the guest's own P2M, which the restorer rewrites.
     */
    private void p2mFrames() throws IOException {
        long si = (long) d.sharedInfoMfn() << 12;
        int maxPfn = ram.read32(si + SharedInfo.ARCH_MAX_PFN);
        long fll = ram.read32(si + SharedInfo.ARCH_PFN_TO_MFN_FRAME_LIST_LIST) & 0xFFFFFFFFL;
        if (fll == 0) {
            throw new IllegalStateException(d + " published no P2M (shared_info's arch.pfn_to_mfn_frame_list_list is 0):"
                    + " a PV guest must, to be saved (Linux's xen_build_mfn_list_list)");
        }
        if (maxPfn <= 0 || maxPfn > dm.p2mCapacity()) {
            throw new IllegalStateException(d + ": shared_info's arch.max_pfn " + maxPfn + " is not in 1.."
                    + dm.p2mCapacity());
        }
        int p2mPages = (maxPfn * 4 + 4095) / 4096;
        ByteBuffer b = w.body();
        b.putInt(0).putInt(maxPfn - 1);
        try {
            toPfn(fll, "the P2M's frame list list");
            int lists = (p2mPages + 1023) / 1024;
            for (int l = 0; l < lists; l++) {
                long list = ram.read32((fll << 12) + 4L * l) & 0xFFFFFFFFL;
                toPfn(list, "the P2M's frame list " + l);
                for (int i = 0; i < 1024 && l * 1024 + i < p2mPages; i++) {
                    long mfn = ram.read32((list << 12) + 4L * i) & 0xFFFFFFFFL;
                    b.putLong(toPfn(mfn, "P2M page " + (l * 1024 + i)));
                }
            }
        } catch (VcpuRecords.FrameMap.Unmappable e) {
            throw new IllegalStateException("cannot save " + d + ": " + e.getMessage());
        }
        w.finish(REC_X86_PV_P2M_FRAMES);
    }

    /**
     * PAGE_DATA records for the pfns set in {@code pfns}: a pfn without a frame as XTAB, a page
     * table with its type (and LPINTAB if pinned), canonicalised. {@code live}: the domain runs;
     * page tables are not sent (they change under us) but noted in {@code skipped}, for the
     * last copy.
     */
    private void sendPages(BitSet pfns, boolean live, BitSet skipped) throws IOException {
        int[] batch = new int[BatchLimits.MAX_BATCH];
        int n = 0;
        for (int pfn = pfns.nextSetBit(0); pfn >= 0; pfn = pfns.nextSetBit(pfn + 1)) {
            if (pfn >= dm.nrPages() && hvm == null) break;
            if (hvm != null && hvmNotRam(pfn)) continue; // HVM_PLATFORM carries it, or a grant mapped there
            if (live) {
                int mfn = dm.p2m(pfn);
                if (mfn >= 0 && PageType.isPageTable(pool.type(mfn))) {
                    skipped.set(pfn);
                    continue;
                }
            }
            batch[n++] = pfn;
            if (n == batch.length) {
                sendBatch(batch, n);
                n = 0;
            }
        }
        if (n > 0) sendBatch(batch, n);
    }

    private void sendBatch(int[] pfns, int n) throws IOException {
        ByteBuffer b = w.body();
        b.putInt(n).putInt(0);
        int dataAt = 8 + 8 * n;
        b.position(dataAt);
        for (int i = 0; i < n; i++) {
            int pfn = pfns[i];
            int mfn = dm.p2m(pfn);
            int type;
            if (mfn < 0) {
                type = TYPE_XTAB;
            } else {
                int t = pool.type(mfn);
                type = switch (t & PageType.TYPE_MASK) {
                    case PageType.L1 -> TYPE_L1TAB;
                    case PageType.L2 -> TYPE_L2TAB;
                    case PageType.L3 -> TYPE_L3TAB;
                    default -> TYPE_NOTAB;
                };
                if (type != TYPE_NOTAB && (t & PageType.PINNED) != 0) type |= TYPE_LPINTAB;
                readPage(mfn);
                if (type != TYPE_NOTAB) {
                    try {
                        PageTableFrames.rewrite(page, 0, type & TYPE_LTAB_MASK, (t & PageType.PAE_XEN_L2) != 0,
                                this::toPfn, "pfn " + pfn + " (" + typeName(type) + ")");
                    } catch (VcpuRecords.FrameMap.Unmappable e) {
                        throw new IllegalStateException("cannot save " + d + ": " + e.getMessage());
                    }
                }
                b.put(page);
                pagesSent++;
            }
            b.putLong(8 + 8 * i, (pfn & PFN_MASK) | (long) type << TYPE_SHIFT);
        }
        w.finish(REC_PAGE_DATA);
    }

    private void readPage(int mfn) {
        long a = (long) mfn << 12;
        if (!ram.isCommitted(a)) {
            java.util.Arrays.fill(page, (byte) 0);
            return;
        }
        ram.copyOut(a, page, 0, 4096);
    }

    /** A machine frame of the domain's pseudo-physical memory to its pfn (the M2P, checked both ways). */
    private long toPfn(long mfn, String what) throws VcpuRecords.FrameMap.Unmappable {
        if (mfn < pool.nrFrames() && pool.owner((int) mfn) == d.id()) {
            int pfn = pool.m2pGet((int) mfn);
            if (pfn >= 0 && dm.p2m(pfn) == mfn) return pfn;
        }
        throw new VcpuRecords.FrameMap.Unmappable(String.format("%s names machine frame 0x%x, which is not a page of the"
                + " domain's pseudo-physical memory (a grant or foreign mapping, shared_info, another domain's frame):"
                + " the guest must unmap it before suspending", what, mfn));
    }
}
