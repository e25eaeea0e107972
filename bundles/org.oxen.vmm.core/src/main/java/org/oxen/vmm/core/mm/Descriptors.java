package org.oxen.vmm.core.mm;

import org.oxen.vmm.abi.Xen;

/**
 * Segment descriptor validation for guest GDT/LDT frames (Xen's check_descriptor, x86_32).
 *
 * <p>Not-present descriptors are harmless. Present code/data descriptors get DPL at least 1
 * (the guest kernel's ring) and the accessed bit set: the GDT is mapped read-only in the
 * hypervisor hole, so the CPU must never need to write it. Of the system descriptors only call
 * gates are allowed, with their target selector made RPL &ge; 1 and outside Xen's reserved
 * entries except the flat kernel code selector. oxen does not truncate segment limits: the
 * hole holds nothing but read-only pages (M2P, descriptor tables), so a guest segment reaching
 * into it can read them and nothing more.
 */
public final class Descriptors {
    private Descriptors() {
    }

    /** Returned for a descriptor a guest may not install. */
    public static final long BAD = 0xFFFFFFFF_FFFFFFFFL;

    /** The descriptor as the guest may have it (fixed up), or {@link #BAD}. */
    public static long check(long desc) {
        int a = (int) desc;
        int b = (int) (desc >>> 32);
        if ((b & 0x8000) == 0) {
            return desc;
        }
        if (((b >>> 13) & 3) == 0) {
            b |= 1 << 13;
        }
        if ((b & 0x1000) == 0) {
            if ((b & 0xF00) != 0xC00) {
                return BAD;
            }
            int cs = a >>> 16;
            if ((cs & 3) == 0) cs |= 1;
            if ((cs >>> 3) >= Xen.FIRST_RESERVED_GDT_ENTRY && cs != Xen.FLAT_RING1_CS) {
                return BAD;
            }
            a = (a & 0xFFFF) | cs << 16;
        } else {
            b |= 0x100;
        }
        return (long) b << 32 | (a & 0xFFFFFFFFL);
    }
}
