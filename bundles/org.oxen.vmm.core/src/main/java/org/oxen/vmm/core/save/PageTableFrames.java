package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.mm.PageTables;

/**
 * Page-table entries between machine frames and pfns (libxc's normalise_pagetable on save and
 * localise_page on restore): in every present entry of an L1, of an L2 below the hypervisor's
 * slots, and of an L3's four entries, the frame number is replaced through a {@link
 * VcpuRecords.FrameMap}; the hypervisor's slots of an L2 (428..511) are cleared on save, as
 * the restoring hypervisor writes its own. Flags, NX and non-present entries are left as they
 * are. Stateless.
 */
final class PageTableFrames {
    private PageTableFrames() {
    }

    /** Bits 12..35 of a PAE entry: a 36-bit machine address's frame. */
    static final long FRAME_MASK = 0xFFFFFFL << 12;

    /**
     * Rewrites the entries of {@code page} (4096 bytes at {@code off}) of table type {@code type}
     * (TYPE_L1TAB..TYPE_L3TAB) through {@code map}; {@code what} names the page for errors.
     */
    static void rewrite(byte[] page, int off, int type, boolean clearXenSlots, VcpuRecords.FrameMap map, String what)
            throws VcpuRecords.FrameMap.Unmappable {
        int entries = type == TYPE_L3TAB ? 4 : 512;
        for (int i = 0; i < entries; i++) {
            int p = off + i * 8;
            if (type == TYPE_L2TAB && i >= PageTables.XEN_L2_FIRST_SLOT) {
                if (clearXenSlots) put64(page, p, 0);
                continue;
            }
            long e = get64(page, p);
            if ((e & Xen.PTE_P) == 0) continue;
            long frame = (e & FRAME_MASK) >>> 12;
            long to = map.map(frame, what + " entry " + i);
            put64(page, p, (e & ~FRAME_MASK) | (to << 12));
        }
    }

    static long get64(byte[] b, int p) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (b[p + i] & 0xFF);
        return v;
    }

    static void put64(byte[] b, int p, long v) {
        for (int i = 0; i < 8; i++) {
            b[p + i] = (byte) v;
            v >>>= 8;
        }
    }
}
