package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Domain-0's grant-table operations on the grants guests give it (xen/common/grant_table.c as
 * a Dom0 kernel calls it). Every check is Xen's: the grant must exist, be in use, name
 * Domain-0 as its grantee, and allow writes unless the mapping or copy only reads.
 * Thread-safe; registered by the VMM as a service.
 */
@ProviderType
public interface GrantTables {

    /**
     * Maps domain {@code domid}'s grant {@code ref} into Domain-0 (GNTTABOP_map_grant_ref with
     * GNTMAP_host_map, and GNTMAP_readonly if {@code readOnly}).
     *
     * @throws GrantException with Xen's status: GNTST_bad_domain (no such domain, or it is dying
     *         or destroyed), GNTST_bad_gntref (ref outside the table), GNTST_general_error (the
     *         entry is not a GTF_permit_access grant to Domain-0, a writable mapping of a
     *         GTF_readonly grant, the grant is pinned by another domain, or its frame is a page
     *         table), GNTST_bad_page (the entry names a frame its domain does not own),
     *         GNTST_no_device_space (too many mappings)
     */
    GrantMapping map(int domid, int ref, boolean readOnly) throws GrantException;

    /**
     * GNTTABOP_copy from domain {@code domid}'s granted frame {@code ref}, bytes
     * [{@code offset}, {@code offset + length}), into {@code dst}. The copy may not cross the
     * page.
     *
     * @throws GrantException as {@link #map} (read access), or GNTST_bad_copy_arg for a range
     *         outside the page (checked after the grant, as Xen does)
     * @throws IndexOutOfBoundsException for a range outside {@code dst}
     */
    void copyFrom(int domid, int ref, int offset, byte[] dst, int dstOffset, int length) throws GrantException;

    /** GNTTABOP_copy into a granted frame; the grant must allow writes. */
    void copyTo(int domid, int ref, int offset, byte[] src, int srcOffset, int length) throws GrantException;

    /**
     * (1.5) {@link #copyFrom(int, int, int, byte[], int, int)} into a buffer (heap or direct: a
     * backend's I/O buffer, so storage reads and writes it without the JDK's bounce copy):
     * {@code dst.remaining()} bytes from {@code offset}, advancing {@code dst}'s position; nothing
     * moves if the grant or the range is refused.
     */
    void copyFrom(int domid, int ref, int offset, java.nio.ByteBuffer dst) throws GrantException;

    /** (1.5) {@link #copyTo(int, int, int, byte[], int, int)} from {@code src.remaining()} bytes of a buffer. */
    void copyTo(int domid, int ref, int offset, java.nio.ByteBuffer src) throws GrantException;

    /**
     * (1.6) Domain-0's grant mappings now ({@link #map} minus unmaps, Domain-0's maptrack entries
     * in use): a backend unmaps at disconnect, so a count that does not come back is a leak; -1
     * when the provider does not count.
     */
    default int mappingsInUse() {
        return -1;
    }
}
