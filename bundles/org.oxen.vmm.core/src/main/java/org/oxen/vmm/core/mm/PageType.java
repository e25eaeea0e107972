package org.oxen.vmm.core.mm;

/**
 * Xen's page types ({@code PGT_*}). A frame is, at any time, of one type; the type count says
 * how many references need it to keep that type. A frame whose type count is zero has type
 * {@link #NONE} (oxen devalidates page tables as soon as their last type reference goes,
 * where Xen keeps the validated type lazily).
 */
public final class PageType {
    private PageType() {
    }

    public static final int NONE = 0;
    /** Mapped writable somewhere. */
    public static final int WRITABLE = 1;
    public static final int L1 = 2;
    public static final int L2 = 3;
    public static final int L3 = 4;
    /** GDT or LDT frame (PGT_seg_desc_page). */
    public static final int SEG_DESC = 5;
    public static final int TYPE_MASK = 0xF;
    /** An L2 that the fourth L3 slot points at: slots 428..511 hold Xen's mappings. */
    public static final int PAE_XEN_L2 = 0x10;
    public static final int PINNED = 0x100;

    public static boolean isPageTable(int t) {
        int b = t & TYPE_MASK;
        return b == L1 || b == L2 || b == L3;
    }

    public static String name(int t) {
        String s;
        switch (t & TYPE_MASK) {
            case NONE: s = "none"; break;
            case WRITABLE: s = "writable"; break;
            case L1: s = "l1"; break;
            case L2: s = "l2"; break;
            case L3: s = "l3"; break;
            case SEG_DESC: s = "seg_desc"; break;
            default: s = "?";
        }
        if ((t & PAE_XEN_L2) != 0) s += "+xen";
        if ((t & PINNED) != 0) s += "+pinned";
        return s;
    }
}
