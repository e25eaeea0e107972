package org.oxen.vmm.core.paging;

import java.util.function.IntFunction;
import java.util.function.Supplier;

import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.x86.api.Ram;

/**
 * Log-dirty mode for PV domains (Xen's paging.c log_dirty ops with shadow's write protection):
 * while a domain is in it, every frame it owns is <em>armed</em> in machine memory
 * ({@link Ram#watchWrites}): the first write to an armed frame by any path — a vcpu's TLB fast
 * path, the decoded-instruction cache, the translator's inline stores (all of which see no
 * write tag for an armed frame and fall to the CPU's slow path), the hypervisor's own writes
 * (hypercall results, PTE writes, grant copies), another domain's — disarms it and marks its
 * pfn (the M2P entry) in the domain's {@link DirtyBitmap}; later writes run at full speed.
 * Frames given a pfn during log-dirty (populate_physmap, MMU_MACHPHYS_UPDATE, exchange) are
 * marked when the pfn is recorded ({@link DomainMemory#setP2m}). Frames without a pfn
 * (shared_info) are never marked, as in Xen.
 *
 * <p>Invariant while on: every pfn of the domain is marked, or its frame is armed and no TLB
 * holds a write tag for it. {@link #clean}: arm every frame again, flush every vcpu's TLB
 * (waiting for running ones), then read and clear the marks, then mark again the pfns whose
 * frames were written since the arming (their marks may have been taken by the clear): no write
 * is ever lost, one that races with the clean may be reported twice.
 *
 * <p>Locking: {@link #enable}, {@link #disable}, {@link #peek}, {@link #clean} of one domain
 * run under that domain's {@code DomainMemory} monitor (the log-dirty lock, taken alone: it
 * waits for vcpus to flush, so it must never be called on a vcpu's thread); marking
 * ({@link #pageWritten}) takes no lock. See the lock order in the {@link org.oxen.vmm.core}
 * package documentation.
 */
public final class LogDirty implements Ram.WriteListener {

    private final FramePool pool;
    private final IntFunction<DomainImpl> domains;
    private final Supplier<Iterable<DomainImpl>> all;

    /**
     * @param domains a domain by id (null if none)
     * @param all every domain (whose vcpus may map a frame: their TLBs are flushed)
     */
    public LogDirty(FramePool pool, IntFunction<DomainImpl> domains, Supplier<Iterable<DomainImpl>> all) {
        this.pool = pool;
        this.domains = domains;
        this.all = all;
        pool.ram().setWriteListener(this);
    }

    /** XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY: the bitmap starts clean. */
    public void enable(DomainImpl d) {
        DomainMemory dm = d.memory();
        synchronized (dm) {
            if (dm.logDirty() != null) {
                throw new IllegalStateException("domain " + d.id() + " is already in log-dirty mode");
            }
            dm.setLogDirty(new DirtyBitmap());
            armAll(d.id());
            flushAllTlbs();
        }
    }

    /** XEN_DOMCTL_SHADOW_OP_OFF: frames are disarmed; stores get their write tags back on their next slow path. */
    public void disable(DomainImpl d) {
        DomainMemory dm = d.memory();
        synchronized (dm) {
            if (dm.logDirty() == null) {
                throw new IllegalStateException("domain " + d.id() + " is not in log-dirty mode");
            }
            dm.setLogDirty(null);
            Ram ram = pool.ram();
            for (int f : pool.framesOf(d.id())) ram.unwatchWrites(f);
        }
    }

    public boolean enabled(DomainImpl d) {
        return d.memory().logDirty() != null;
    }

    /** XEN_DOMCTL_SHADOW_OP_PEEK: the marks of pfns 0..pages-1, left in place. */
    public long[] peek(DomainImpl d, int pages) {
        DomainMemory dm = d.memory();
        synchronized (dm) {
            return bitmap(d).read(pages, false);
        }
    }

    /** XEN_DOMCTL_SHADOW_OP_CLEAN: the marks of pfns 0..pages-1, cleared atomically with the re-arming. */
    public long[] clean(DomainImpl d, int pages) {
        DomainMemory dm = d.memory();
        synchronized (dm) {
            DirtyBitmap bm = bitmap(d);
            int[] frames = armAll(d.id());
            flushAllTlbs();
            long[] out = bm.read(pages, true);
            Ram ram = pool.ram();
            for (int f : frames) {
                if (!ram.isWatched(f)) bm.mark(pfnOf(f)); // written since armed: keep it for the next round
            }
            return out;
        }
    }

    /** How many pfns are marked now. */
    public long dirtyCount(DomainImpl d) {
        return bitmap(d).count();
    }

    private DirtyBitmap bitmap(DomainImpl d) {
        DirtyBitmap bm = d.memory().logDirty();
        if (bm == null) {
            throw new IllegalStateException("domain " + d.id() + " is not in log-dirty mode");
        }
        return bm;
    }

    private int[] armAll(int domid) {
        int[] frames = pool.framesOf(domid);
        Ram ram = pool.ram();
        for (int f : frames) ram.watchWrites(f);
        return frames;
    }

    private long pfnOf(int mfn) {
        return pool.m2pGet(mfn) & 0xFFFFFFFFL;
    }

    /**
     * Every vcpu of every domain drops its TLB before it runs guest code again; those running
     * are stopped and waited for (a frame may be mapped by another domain too).
     */
    private void flushAllTlbs() {
        for (DomainImpl o : all.get()) {
            for (int i = 0; i < o.vcpuCount(); i++) o.vcpu(i).requestTlbFlush();
        }
        for (DomainImpl o : all.get()) {
            for (int i = 0; i < o.vcpuCount(); i++) {
                VcpuImpl v = o.vcpu(i);
                while (v.tlbFlushOutstanding()) Thread.onSpinWait();
            }
        }
    }

    /** An armed frame is being written (on the writer's thread): mark its pfn in its owner's bitmap. */
    @Override
    public void pageWritten(long mfn) {
        int owner = pool.ownerUnlocked(mfn);
        if (owner < 0) return;
        DomainImpl d = domains.apply(owner);
        if (d == null) return;
        DirtyBitmap bm = d.memory().logDirty();
        if (bm != null) bm.mark(pfnOf((int) mfn));
    }
}
