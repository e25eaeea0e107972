package org.oxen.vmm.core.mm;

import org.oxen.vmm.abi.Xen;

/**
 * Segment descriptor validation for guest GDT/LDT frames (Xen's check_descriptor for a 32-bit
 * PV guest, pv/descriptor-tables.c).
 *
 * <p>Not-present descriptors are harmless and kept as they are. Present ones get DPL at least 1
 * (the guest kernel's ring). Code/data descriptors may not have the L bit; oxen also sets their
 * accessed bit, because the GDT is mapped read-only in the hypervisor hole and the CPU must
 * never need to write it. Of the system descriptors, type 0 (the second half of a call gate) is
 * kept as it is; call gates are accepted if their target selector is a guest GDT entry, an LDT
 * selector or Xen's flat kernel code selector, and are stored as Xen stores them: DPL 0 (so any
 * use faults with the gate in the error code) and the original DPL in the target's RPL; their
 * reserved bits 5..7 must be clear. Everything else is refused. oxen does not truncate segment
 * limits: the hole holds nothing but read-only pages (M2P, descriptor tables), so a guest
 * segment reaching into it can read them and nothing more.
 */
public final class Descriptors {
    private Descriptors() {
    }

    /** Returned for a descriptor a guest may not install. */
    public static final long BAD = 0xFFFFFFFF_FFFFFFFFL;

    private static final int P = 0x8000, S = 0x1000, DPL = 0x6000, TYPE = 0xF00, L = 0x200000;

    /** The descriptor as the guest may have it (fixed up), or {@link #BAD}. */
    public static long check(long desc) {
        int a = (int) desc;
        int b = (int) (desc >>> 32);
        if ((b & P) == 0) {
            return desc;
        }
        int dpl = (b >>> 13) & 3;
        if (dpl == 0) dpl = 1;
        b = (b & ~DPL) | dpl << 13;
        if ((b & S) != 0) {
            if ((b & L) != 0) return BAD;
            return (long) (b | 0x100) << 32 | (a & 0xFFFFFFFFL);
        }
        if ((b & TYPE) == 0) {
            return desc; // type 0: harmless, used as a call gate's second half
        }
        if ((b & TYPE) != 0xC00) {
            return BAD;
        }
        int cs = a >>> 16;
        if (!gateSelectorOk(cs)) return BAD;
        b &= ~DPL;
        cs = (cs & ~3) | dpl;
        a = (a & 0xFFFF) | cs << 16;
        if ((b & 0xE0) != 0) return BAD;
        return (long) b << 32 | (a & 0xFFFFFFFFL);
    }

    /** guest_gate_selector_okay: a guest GDT entry, Xen's flat kernel code selector, or the LDT. */
    public static boolean gateSelectorOk(int sel) {
        return (sel >>> 3) < Xen.FIRST_RESERVED_GDT_ENTRY || sel == Xen.FLAT_RING1_CS || (sel & 4) != 0;
    }
}
