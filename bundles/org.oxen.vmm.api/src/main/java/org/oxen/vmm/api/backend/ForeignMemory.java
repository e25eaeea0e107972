package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Domain-0's foreign mappings (1.1): a frame a guest owns, mapped by its machine frame number, as
 * a Linux Dom0 maps one through privcmd ({@code xenforeignmemory_map}, Xen's
 * {@code get_page_from_l1e} with a foreign owner). xenconsoled maps a PV guest's console page
 * this way when grant 0 is not used: {@code console/ring-ref} holds the MFN the builder put in
 * start_info ({@link org.oxen.vmm.api.Domain#consoleRing()}).
 *
 * <p>The mapping is writable and holds a general and a writable type reference on the frame, as
 * Xen's does: while it lasts the guest cannot turn the frame into a page table or descriptor page.
 * When the domain is destroyed its mappings are detached first: each view goes on showing the
 * frame's bytes as they were then, from a private copy (writes reach no frame), until it is
 * closed, as a Xen backend keeps reading a dying domain's page until it unmaps it (the last of a
 * console ring); a frame that returns to the pool is never reachable through one. Thread-safe;
 * registered by the VMM as a service.
 */
@ProviderType
public interface ForeignMemory {

    /**
     * Maps frame {@code mfn} of domain {@code domid} into Domain-0, writable.
     *
     * @throws ForeignMapException -ESRCH (no such guest domain, or it is dying), -EINVAL (not a
     *         frame the domain owns: free, another domain's, Xen's, beyond RAM), -EBUSY (the frame
     *         has a type that excludes writable mappings: a page table or descriptor page)
     */
    ForeignMapping map(int domid, long mfn) throws ForeignMapException;
}
