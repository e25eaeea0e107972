package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.guests.GuestImages;
import org.oxen.guests.GuestImages.Flavor;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.HypervisorLog;
import org.oxen.vmm.api.MachineMemory;

/**
 * The hypervisor API split by concern (issue 14): each concern is a service of its own in the
 * real framework, and they act on one hypervisor: a domain created through {@link Domains} is in
 * a pool of {@link CpuPools}, takes frames from {@link MachineMemory}, can be given a Domain-0
 * event channel by {@link Dom0EventChannels}, and destroying it returns the frames.
 */
class ApiByConcernTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    Domains domains;

    @InjectService(timeout = 10_000)
    CpuPools pools;

    @InjectService(timeout = 10_000)
    HypervisorLog log;

    @InjectService(timeout = 10_000)
    MachineMemory memory;

    @InjectService(timeout = 10_000)
    Dom0EventChannels events;

    @Test
    void everyConcernIsItsOwnServiceOfOneHypervisor() throws Exception {
        for (Class<?> c : new Class<?>[] {Domains.class, CpuPools.class, HypervisorLog.class, MachineMemory.class,
                Dom0EventChannels.class}) {
            ServiceReference<?> ref = context.getServiceReference(c.getName());
            assertTrue(ref != null, c.getSimpleName() + " is not a service");
            assertEquals("org.oxen.vmm.core", ref.getBundle().getSymbolicName());
        }
        assertTrue(context.getServiceReference(Hypervisor.class) != null, "the whole Hypervisor stays a service");

        long free = memory.freeFrames();
        Domain d = domains.create(DomainConfig.builder("it-concerns").kernel(GuestImages.load(Flavor.PV, "hello"))
                .memoryMiB(16).startPaused(true).build());
        AtomicInteger kicks = new AtomicInteger();
        EventPort port;
        try {
            assertEquals(DomainState.PAUSED, d.state());
            assertTrue(memory.freeFrames() <= free - 4096, "the domain's 16 MiB came from the pool");
            assertTrue(pools.pools().stream().anyMatch(p -> p.name().equals("Pool-0") && p.domains().contains(d.id())),
                    () -> "not in Pool-0: " + pools.pools());
            port = events.allocUnbound(d.id(), p -> kicks.incrementAndGet());
            assertTrue(port.isOpen());
            assertEquals(d.id(), port.remoteDomain());
            assertEquals(-1, port.remotePort());
        } finally {
            domains.destroy(d.id());
        }
        assertTrue(domains.find(d.id()).isEmpty());
        // as in Xen, Domain-0's port outlives its peer (unbound, events dropped) until the
        // backend closes it
        assertEquals(-1, port.remotePort());
        port.send();
        port.close();
        assertFalse(port.isOpen());
        assertEquals(free, memory.freeFrames(), "frames leaked");
        assertTrue(pools.pools().stream().noneMatch(p -> p.domains().contains(d.id())));
        assertFalse(log.dmesg().isEmpty());
        assertEquals(0, log.internalErrors());
        assertEquals(0, kicks.get(), "the guest never ran, so it never sent");
    }
}
