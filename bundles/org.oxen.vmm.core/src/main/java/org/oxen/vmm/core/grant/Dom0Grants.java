package org.oxen.vmm.core.grant;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.core.mm.HostPage;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_DOMAIN;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_HANDLE;
import static org.oxen.vmm.abi.GrantTable.GNTST_NO_DEVICE_SPACE;
import static org.oxen.vmm.abi.GrantTable.GNTST_OKAY;

/**
 * Domain-0's grant operations for Java backends ({@link GrantTables}): the Java host maps a
 * guest's grant as a Linux Dom0 does with GNTMAP_host_map, and copies to and from its own
 * buffers as GNTTABOP_copy with one gref side. Every check and status is the hypercall's
 * ({@link Grants#acquire}); a mapping's {@link PageView} reads and writes the frame's own bytes
 * until it is unmapped, and throws after.
 *
 * <p>Locking: none of its own; {@link Grants} locks the granting domain's table. A mapping's
 * state is one atomic flag, so unmapping twice (or two threads racing) reports
 * GNTST_bad_handle to all but one.
 */
public final class Dom0Grants implements GrantTables {


    private final Grants grants;
    private final AtomicInteger mappings = new AtomicInteger();

    public Dom0Grants(Grants grants) {
        this.grants = grants;
    }

    /** Domain-0's mappings now (tests: none may leak). */
    public int mappings() {
        return mappings.get();
    }

    @Override
    public int mappingsInUse() {
        return mappings.get();
    }

    private GrantTable granter(int domid) throws GrantException {
        GrantTable rgt = domid == 0 ? null : grants.liveTable(domid);
        if (rgt == null) throw new GrantException(GNTST_BAD_DOMAIN, "domain " + domid + " does not exist or is dying");
        return rgt;
    }

    private static GrantException failed(int status, String what, int domid, int ref) {
        String why = switch (status) {
            case -3 -> "no such grant reference";
            case -1 -> "not a grant of the access asked to Domain-0 (flags, grantee or read-only), or the frame is in use as a page table";
            case -2 -> "the domain is gone or dying";
            case -9 -> "the grant names a frame its domain does not own";
            default -> "refused";
        };
        return new GrantException(status, what + " of d" + domid + " grant " + ref + ": " + why);
    }

    @Override
    public GrantMapping map(int domid, int ref, boolean readOnly) throws GrantException {
        GrantTable rgt = granter(domid);
        if (mappings.incrementAndGet() > GrantTable.MAX_MAPTRACK) {
            mappings.decrementAndGet();
            throw new GrantException(GNTST_NO_DEVICE_SPACE, "Domain-0 holds " + GrantTable.MAX_MAPTRACK + " mappings already");
        }
        int inc = readOnly ? GrantTable.HSTR_INC : GrantTable.HSTW_INC;
        int mfn = grants.acquire(rgt, ref, 0, readOnly, true, inc, 1, readOnly ? 0 : 1);
        if (mfn < 0) {
            mappings.decrementAndGet();
            throw failed(mfn, "map", domid, ref);
        }
        HostPage page = new HostPage(grants.pool().ram(), (long) mfn << 12);
        rgt.trace(org.oxen.vmm.abi.Trace.TRC_MEM_PAGE_GRANT_MAP, 0, ref);
        return new Mapping(rgt, domid, ref, readOnly, inc, page);
    }

    @Override
    public void copyFrom(int domid, int ref, int offset, byte[] dst, int dstOffset, int length) throws GrantException {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        copy(domid, ref, offset, dst, dstOffset, null, length, true);
    }

    @Override
    public void copyTo(int domid, int ref, int offset, byte[] src, int srcOffset, int length) throws GrantException {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        copy(domid, ref, offset, src, srcOffset, null, length, false);
    }

    @Override
    public void copyFrom(int domid, int ref, int offset, ByteBuffer dst) throws GrantException {
        if (dst.isReadOnly()) throw new ReadOnlyBufferException();
        copy(domid, ref, offset, null, 0, dst, dst.remaining(), true);
    }

    @Override
    public void copyTo(int domid, int ref, int offset, ByteBuffer src) throws GrantException {
        copy(domid, ref, offset, null, 0, src, src.remaining(), false);
    }

    /**
     * gnttab_copy with the grant as source (read) or destination (write) and a Domain-0 buffer:
     * {@code buf} from {@code bufOffset}, or else {@code bb} at its position (advanced).
     */
    private void copy(int domid, int ref, int offset, byte[] buf, int bufOffset, ByteBuffer bb, int length,
            boolean fromGrant) throws GrantException {
        GrantTable rgt = granter(domid);
        boolean ro = fromGrant;
        int inc = ro ? GrantTable.HSTR_INC : GrantTable.HSTW_INC;
        int mfn = grants.acquire(rgt, ref, 0, ro, false, inc, 1, ro ? 0 : 1);
        if (mfn < 0) throw failed(mfn, fromGrant ? "copy from" : "copy to", domid, ref);
        try {
            if (offset < 0 || length < 0 || Grants.checkCopyBounds(offset, 0, length) != GNTST_OKAY) {
                throw new GrantException(org.oxen.vmm.abi.GrantTable.GNTST_BAD_COPY_ARG, "copy of " + length
                        + " bytes at offset " + offset + " of d" + domid + " grant " + ref + " crosses its page");
            }
            HostPage page = new HostPage(grants.pool().ram(), (long) mfn << 12);
            if (bb != null) {
                if (fromGrant) page.get(offset, bb); // length is bb.remaining()
                else page.put(offset, bb);
            } else if (fromGrant) {
                page.get(offset, buf, bufOffset, length);
            } else {
                page.put(offset, buf, bufOffset, length);
            }
        } finally {
            grants.release(rgt, ref, ro, inc, 1, ro ? 0 : 1);
        }
    }

    /** One Domain-0 host mapping and its view. */
    private final class Mapping implements GrantMapping, PageView {
        private final GrantTable rgt;
        private final int domid;
        private final int ref;
        private final boolean readOnly;
        private final int inc;
        private final HostPage page;
        private final AtomicBoolean mapped = new AtomicBoolean(true);

        Mapping(GrantTable rgt, int domid, int ref, boolean readOnly, int inc, HostPage page) {
            this.rgt = rgt;
            this.domid = domid;
            this.ref = ref;
            this.readOnly = readOnly;
            this.inc = inc;
            this.page = page;
        }

        @Override
        public int domid() {
            return domid;
        }

        @Override
        public int ref() {
            return ref;
        }

        @Override
        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public PageView page() {
            check();
            return this;
        }

        @Override
        public void unmap() throws GrantException {
            if (!mapped.compareAndSet(true, false)) {
                throw new GrantException(GNTST_BAD_HANDLE, "d" + domid + " grant " + ref + " is not mapped any more (unmapped twice)");
            }
            grants.release(rgt, ref, readOnly, inc, 1, readOnly ? 0 : 1);
            mappings.decrementAndGet();
            rgt.trace(org.oxen.vmm.abi.Trace.TRC_MEM_PAGE_GRANT_UNMAP, 0, ref);
        }

        @Override
        public void close() {
            try {
                if (mapped.get()) unmap();
            } catch (GrantException e) {
                // a racing unmap won: it is unmapped, as close promises
            }
        }

        private void check() {
            if (!mapped.get()) throw new IllegalStateException("d" + domid + " grant " + ref + " was unmapped");
        }

        private void checkWrite() {
            check();
            if (readOnly) throw new IllegalStateException("d" + domid + " grant " + ref + " is mapped read-only");
        }

        private static void bounds(int offset, int n) {
            Objects.checkFromIndexSize(offset, n, SIZE);
        }

        @Override
        public boolean writable() {
            return !readOnly;
        }

        @Override
        public int getByte(int offset) {
            check();
            bounds(offset, 1);
            return page.getByte(offset);
        }

        @Override
        public int getInt(int offset) {
            check();
            bounds(offset, 4);
            return page.getInt(offset);
        }

        @Override
        public int getIntAcquire(int offset) {
            check();
            bounds(offset, 4);
            return page.getIntAcquire(offset);
        }

        @Override
        public void putByte(int offset, int value) {
            checkWrite();
            bounds(offset, 1);
            page.putByte(offset, value);
        }

        @Override
        public void putInt(int offset, int value) {
            checkWrite();
            bounds(offset, 4);
            page.putInt(offset, value);
        }

        @Override
        public void putIntRelease(int offset, int value) {
            checkWrite();
            bounds(offset, 4);
            page.putIntRelease(offset, value);
        }

        @Override
        public void get(int offset, byte[] dst, int dstOffset, int length) {
            check();
            bounds(offset, length);
            page.get(offset, dst, dstOffset, length);
        }

        @Override
        public void put(int offset, byte[] src, int srcOffset, int length) {
            checkWrite();
            bounds(offset, length);
            page.put(offset, src, srcOffset, length);
        }

        @Override
        public void get(int offset, ByteBuffer dst) {
            check();
            bounds(offset, dst.remaining());
            page.get(offset, dst);
        }

        @Override
        public void put(int offset, ByteBuffer src) {
            checkWrite();
            bounds(offset, src.remaining());
            page.put(offset, src);
        }

        @Override
        public String toString() {
            return "Domain-0's mapping of d" + domid + " grant " + ref + (readOnly ? " (read-only)" : "")
                    + (mapped.get() ? "" : " (unmapped)");
        }
    }
}
