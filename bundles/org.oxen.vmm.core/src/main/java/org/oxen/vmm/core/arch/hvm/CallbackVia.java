package org.oxen.vmm.core.arch.hvm;

import org.oxen.vmm.abi.Hvm;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.pci.PciBus;

/**
 * HVM_PARAM_CALLBACK_IRQ: how event-channel upcalls reach an HVM domain (Xen's hvm/irq.c,
 * hvm_set_callback_via and hvm_set_callback_irq_level). The GSI and PCI INTx forms drive a line
 * of the domain's board while vcpu 0's {@code evtchn_upcall_pending} is set (level-triggered, as
 * Xen's callback_via_asserted: raised when an event makes it pending, lowered once the guest has
 * cleared it and next exits); the vector form has every vcpu with an upcall pending take that
 * vector directly, ahead of its interrupt controllers (Xen's hvm_intsrc_vector).
 *
 * <p>Locking: {@link #set} and {@link #level} run under the platform's device lock (they drive
 * board lines); {@link #vector()} and {@link #asserted()} are volatile reads for the resume path.
 */
final class CallbackVia {

    /** The via types (Xen's HVMIRQ_callback_*). */
    enum Type { NONE, GSI, PCI_INTX, VECTOR }

    /** GSIs a via may name: the I/O APIC's pins (Xen: hvm_irq->nr_gsis). */
    static final int NR_GSIS = 24;

    private final InterruptRouter router;
    private final PciBus pci;
    private volatile Type type = Type.NONE;
    private int gsi;
    private int pciDevice;
    private int pciIntx;
    private volatile int vector = -1;
    private volatile boolean asserted;

    CallbackVia(InterruptRouter router, PciBus pci) {
        this.router = router;
        this.pci = pci;
    }

    /**
     * hvm_set_callback_via: tears down the old via (its line lowered if it was asserted) and
     * sets up {@code via}; a GSI of 0 or beyond the I/O APIC's pins, an unknown type, or PCI INTx
     * without a PCI bus leave no callback. The new line is raised at once if an upcall is pending.
     */
    void set(long via) {
        if (asserted) drive(false);
        int t = (int) (via >>> Hvm.CALLBACK_TYPE_SHIFT) & 0xFF;
        Type nt;
        switch (t) {
            case Hvm.HVM_PARAM_CALLBACK_TYPE_GSI -> {
                gsi = (int) via & 0xFF;
                nt = gsi == 0 || gsi >= NR_GSIS ? Type.NONE : Type.GSI;
            }
            case Hvm.HVM_PARAM_CALLBACK_TYPE_PCI_INTX -> {
                pciDevice = (int) (via >>> 11) & 31;
                pciIntx = (int) via & 3;
                nt = pci == null ? Type.NONE : Type.PCI_INTX;
            }
            case Hvm.HVM_PARAM_CALLBACK_TYPE_VECTOR -> {
                vector = (int) via & 0xFF;
                nt = Type.VECTOR;
            }
            default -> nt = Type.NONE;
        }
        if (nt != Type.VECTOR) vector = -1;
        type = nt;
        if (asserted) drive(true);
    }

    Type type() {
        return type;
    }

    /** The vector of the vector form, or -1. */
    int vector() {
        return vector;
    }

    boolean asserted() {
        return asserted;
    }

    /** hvm_set_callback_irq_level: vcpu 0's upcall_pending is {@code pending}. */
    void level(boolean pending) {
        if (asserted == pending) return;
        asserted = pending;
        drive(pending);
    }

    private void drive(boolean high) {
        InterruptLine l = switch (type) {
            case GSI -> router.line(gsi);
            case PCI_INTX -> pci.intx(pciDevice << 3, pciIntx + 1);
            default -> null;
        };
        if (l != null) l.set(high);
    }
}
