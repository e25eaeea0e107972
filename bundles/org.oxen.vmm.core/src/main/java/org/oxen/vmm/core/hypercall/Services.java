package org.oxen.vmm.core.hypercall;

import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.trap.TrapBouncer;

/** What hypercall handlers need of the hypervisor (Xen's globals, made explicit). */
public interface Services {

    FramePool pool();

    PageTables pageTables();

    GuestMemory guest();

    TrapBouncer bouncer();

    /** The domain with that id, or null. */
    DomainImpl domain(int domid);

    /** The vcpu blocked or went down (its flag is set): the scheduler hears that it sleeps. */
    void blocked(VcpuImpl v);

    /** The vcpu may have become runnable (up, unblocked): the scheduler hears that it woke. */
    void woken(VcpuImpl v);

    void log(String line);

    /** The grant tables of every domain. */
    org.oxen.vmm.core.grant.Grants grants();

    /** Xen's version as reported by xen_version (major << 16 | minor). */
    int versionNumber();
}
