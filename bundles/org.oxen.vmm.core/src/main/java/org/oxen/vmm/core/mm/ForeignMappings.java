package org.oxen.vmm.core.mm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.oxen.vmm.api.backend.ForeignMapException;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.api.backend.ForeignMemory;
import org.oxen.vmm.api.backend.PageView;
import static org.oxen.vmm.abi.Errno.EBUSY;
import static org.oxen.vmm.abi.Errno.EINVAL;
import static org.oxen.vmm.abi.Errno.ESRCH;

/**
 * Domain-0's foreign mappings of guest frames by MFN (privcmd's mmap, Xen's get_page_from_l1e
 * with a foreign owner): each holds a general and a writable type reference on its frame, and
 * the domain's destruction detaches every one (a private copy of the bytes from then on) before
 * its frames return to the pool.
 *
 * <p>Locking: the mm lock (the {@link FramePool} monitor) guards the table of mappings and the
 * frame references; each mapping's monitor guards its bytes: an access holds only that monitor
 * and checks the mapping still holds, detaching and close take the mm lock, then the mapping's.
 * So no access can touch a frame once it has left the domain. The domains are looked up through
 * {@link Domains}, whose answers are checked under the mm lock (a dying domain maps nothing; its
 * destroy detaches under the same lock after it became dying).
 */
public final class ForeignMappings implements ForeignMemory {

    /** The VMM's domains, as this class needs them. */
    public interface Domains {
        /** The domain's memory if it is a live guest (not dying), else null. */
        DomainMemory liveGuest(int domid);
    }


    private final FramePool pool;
    private final PageTables pt;
    private final Domains domains;
    /** Live mappings by domain; guarded by the mm lock. */
    private final Map<Integer, List<Mapping>> byDomain = new HashMap<>();

    public ForeignMappings(PageTables pt, Domains domains) {
        this.pt = pt;
        this.pool = pt.pool();
        this.domains = domains;
    }

    @Override
    public ForeignMapping map(int domid, long mfn) throws ForeignMapException {
        synchronized (pool) {
            DomainMemory dm = domid == 0 ? null : domains.liveGuest(domid);
            if (dm == null) {
                throw new ForeignMapException("no live guest domain " + domid + " to map frame " + mfn + " of", -ESRCH);
            }
            if (!pool.valid(mfn) || pool.owner((int) mfn) != domid) {
                throw new ForeignMapException("frame " + mfn + " is not a frame of d" + domid, -EINVAL);
            }
            int rc = pt.getPageAndType(mfn, PageType.WRITABLE, dm);
            if (rc != 0) {
                throw new ForeignMapException("frame " + mfn + " of d" + domid + " cannot be mapped writable (type "
                        + PageType.name(pool.type((int) mfn)) + ")", rc == -EINVAL ? -EBUSY : rc);
            }
            Mapping m = new Mapping(domid, (int) mfn, dm, new HostPage(pool.ram(), mfn << 12));
            byDomain.computeIfAbsent(domid, k -> new ArrayList<>()).add(m);
            return m;
        }
    }

    /**
     * Detaches every mapping of {@code domid} (its destruction, before the frames are freed): each
     * view goes on showing the frame's bytes as they were at this moment, from a private copy
     * (writes reach no frame), until its holder closes it; the frame itself goes back to the pool.
     * Xen keeps a dying domain's page while a backend maps it; the copy gives the backend the same
     * view (its last read of a ring after the domain ended) without holding the frame. Returns how
     * many there were.
     */
    public int revokeAll(int domid) {
        synchronized (pool) {
            List<Mapping> ms = byDomain.remove(domid);
            if (ms == null) return 0;
            for (Mapping m : ms) {
                synchronized (m) {
                    if (m.page != null) {
                        m.page = m.page.copy();
                        m.detached = true;
                    }
                }
            }
            return ms.size();
        }
    }

    /** Live mappings of {@code domid} (metrics, tests). */
    public int count(int domid) {
        synchronized (pool) {
            List<Mapping> ms = byDomain.get(domid);
            return ms == null ? 0 : ms.size();
        }
    }

    private final class Mapping implements ForeignMapping, PageView {
        private final int domid;
        private final int mfn;
        private final DomainMemory dm;
        /** The frame's bytes while mapped (a private copy once detached); null once closed. Guarded by this. */
        private HostPage page;
        /** Its domain was destroyed: {@link #page} is a copy, the frame is no longer held. Guarded by this. */
        private boolean detached;

        Mapping(int domid, int mfn, DomainMemory dm, HostPage page) {
            this.domid = domid;
            this.mfn = mfn;
            this.dm = dm;
            this.page = page;
        }

        @Override
        public int domid() {
            return domid;
        }

        @Override
        public long mfn() {
            return mfn;
        }

        @Override
        public synchronized boolean isMapped() {
            return page != null && !detached;
        }

        @Override
        public PageView page() {
            return this;
        }

        @Override
        public void close() {
            synchronized (pool) {
                synchronized (this) {
                    if (page == null) return;
                    page = null;
                    if (detached) return; // the frame went with its domain
                }
                List<Mapping> ms = byDomain.get(domid);
                if (ms != null && ms.remove(this)) {
                    pt.putPageAndType(mfn, dm);
                    if (ms.isEmpty()) byDomain.remove(domid);
                }
            }
        }

        private HostPage bytes(int offset, int length) {
            Objects.checkFromIndexSize(offset, length, SIZE);
            HostPage p = page;
            if (p == null) {
                throw new IllegalStateException("frame " + mfn + " of d" + domid + " is no longer mapped");
            }
            return p;
        }

        private static void aligned(int offset) {
            if ((offset & 3) != 0) throw new IllegalArgumentException("unaligned dword at offset " + offset);
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public synchronized int getByte(int offset) {
            return bytes(offset, 1).getByte(offset);
        }

        @Override
        public synchronized int getInt(int offset) {
            aligned(offset);
            return bytes(offset, 4).getInt(offset);
        }

        @Override
        public synchronized int getIntAcquire(int offset) {
            aligned(offset);
            return bytes(offset, 4).getIntAcquire(offset);
        }

        @Override
        public synchronized void putByte(int offset, int value) {
            bytes(offset, 1).putByte(offset, value);
        }

        @Override
        public synchronized void putInt(int offset, int value) {
            aligned(offset);
            bytes(offset, 4).putInt(offset, value);
        }

        @Override
        public synchronized void putIntRelease(int offset, int value) {
            aligned(offset);
            bytes(offset, 4).putIntRelease(offset, value);
        }

        @Override
        public synchronized void get(int offset, byte[] dst, int dstOffset, int length) {
            bytes(offset, length).get(offset, dst, dstOffset, length);
        }

        @Override
        public synchronized void put(int offset, byte[] src, int srcOffset, int length) {
            bytes(offset, length).put(offset, src, srcOffset, length);
        }

        @Override
        public String toString() {
            return "Domain-0's mapping of frame " + mfn + " of d" + domid;
        }
    }
}
