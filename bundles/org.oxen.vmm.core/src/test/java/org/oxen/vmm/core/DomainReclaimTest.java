package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;

/**
 * A destroyed domain becomes garbage (issue 22's heap leak): after {@link Vmm#destroy} nothing in
 * the hypervisor (pCPUs, their timer lists, schedulers, event channels, grant tables, listeners)
 * keeps the domain reachable, whether it had powered off, was running with armed timers, was
 * blocked, or was saved and restored. Each domain is held only through a WeakReference, which
 * must be cleared after GC while the hypervisor runs on.
 *
 * <p>Found with a heap dump after a soak (benchmarks/soak/heap_paths.py prints the paths from GC
 * roots): a pCPU's list of fired timers kept the last one (its callback holds its vcpu), and a
 * pCPU idling in {@code turn()} kept the vcpu it had switched out as a local of that frame. Each
 * kept one domain per pCPU, whichever had run last; fails with either back.
 */
class DomainReclaimTest {

    private static Domain create(Vmm vmm, String name, String program, int mib, String cmdline) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, program))
                .memoryMiB(mib).cmdline(cmdline).build());
    }

    /** Every way a domain goes, each through the real destroy path; the domains only weakly held. */
    private static List<WeakReference<Domain>> churn(Vmm vmm) throws Exception {
        List<WeakReference<Domain>> gone = new ArrayList<>();
        Domain off = create(vmm, "poweredoff", "hello", 4, "");
        assertTrue(off.awaitShutdown(120, TimeUnit.SECONDS), "hello powers off");
        Domain busy = create(vmm, "busy", "cpubench", 8, "loop=20000 mix=1 repeat=0");
        Domain sleeper = create(vmm, "sleeper", "sleeper", 4, "");
        Thread.sleep(500); // busy runs with its timers armed, sleeper blocks
        for (Domain d : List.of(off, busy, sleeper)) {
            vmm.destroy(d.id());
            gone.add(new WeakReference<>(d));
        }
        Domain src = create(vmm, "counter", "counter", 8, "count=20 spin=2000 suspend_at=10");
        assertTrue(src.awaitShutdown(120, TimeUnit.SECONDS), "counter suspends");
        assertEquals(ShutdownReason.SUSPEND, src.shutdownReason().orElse(null));
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        vmm.save(src.id(), image, new byte[0]);
        vmm.destroy(src.id());
        gone.add(new WeakReference<>(src));
        Domain dst = vmm.restore(new ByteArrayInputStream(image.toByteArray()), n -> n).domain();
        vmm.unpause(dst.id());
        assertTrue(dst.awaitShutdown(120, TimeUnit.SECONDS), "the restored counter counts on and powers off");
        vmm.destroy(dst.id());
        gone.add(new WeakReference<>(dst));
        return gone;
    }

    @Test
    void destroyedDomainsBecomeUnreachable() throws Exception {
        Vmm vmm = new Vmm(96L << 20, 2);
        try {
            List<WeakReference<Domain>> gone = churn(vmm);
            Thread.sleep(200); // the pCPUs take a few turns without the domains
            assertEquals(0, Soak.reachable(gone), "destroyed domains still reachable (of " + gone.size() + ")");
            assertEquals(0, vmm.list().size());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
