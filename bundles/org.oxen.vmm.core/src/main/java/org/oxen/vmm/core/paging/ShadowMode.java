package org.oxen.vmm.core.paging;

import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.FramePool;

/**
 * A PV domain in and out of shadow mode (Xen's XEN_DOMCTL_SHADOW_OP_ENABLE/OFF): its
 * {@link ShadowPaging} made or released, and each vcpu's CR3 reloaded so that it runs on the
 * shadow tables or the guest's own again.
 *
 * <p>Locking: the caller holds the domain paused (no vcpu runs while CR3s switch); the
 * domain's shadow field is changed under the mm lock (the {@link FramePool} monitor).
 */
public final class ShadowMode {

    private ShadowMode() {
    }

    /** @throws IllegalStateException already in shadow mode */
    public static void enable(DomainImpl d, FramePool pool, GuestMemory guest) {
        synchronized (pool) {
            if (d.shadow != null) throw new IllegalStateException("domain " + d.id() + " is already in shadow mode");
            d.shadow = new ShadowPaging(pool, guest, d.id());
        }
        switchCr3(d);
    }

    /** @throws IllegalStateException not in shadow mode */
    public static void disable(DomainImpl d, FramePool pool) {
        ShadowPaging sh;
        synchronized (pool) {
            sh = d.shadow;
            if (sh == null) throw new IllegalStateException("domain " + d.id() + " is not in shadow mode");
            d.shadow = null;
        }
        switchCr3(d);
        synchronized (pool) {
            sh.release();
        }
    }

    private static void switchCr3(DomainImpl d) {
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl v = d.vcpu(i);
            PvVcpu pv = PvVcpu.of(v);
            if (pv.baseL3() >= 0) {
                pv.loadCr3();
                v.cpu().flushTlb();
            }
        }
    }
}
