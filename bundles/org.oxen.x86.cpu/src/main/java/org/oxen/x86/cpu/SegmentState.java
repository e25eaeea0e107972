package org.oxen.x86.cpu;

/**
 * A segment register with its hidden part, for save/restore and tests. {@code attributes} uses
 * the VMX access-rights layout: bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 14 D/B, 15 G, 16
 * unusable (a null selector loaded in protected mode). {@code limit} is the byte-granular limit.
 */
public final class SegmentState {
    public static final int UNUSABLE = 0x10000;

    public final int selector;
    public final int base;
    public final int limit;
    public final int attributes;

    public SegmentState(int selector, int base, int limit, int attributes) {
        this.selector = selector & 0xFFFF;
        this.base = base;
        this.limit = limit;
        this.attributes = attributes;
    }

    /** A flat 4 GiB 32-bit segment: code (execute/read) or data (read/write), accessed, present. */
    public static SegmentState flat(int selector, boolean code, int dpl) {
        return new SegmentState(selector, 0, -1, (code ? 0xB : 0x3) | 0x10 | dpl << 5 | 0x80 | 0x4000 | 0x8000);
    }

    /** A real-mode segment: base = selector * 16, 64 KiB limit. */
    public static SegmentState real(int selector, boolean code) {
        return new SegmentState(selector, (selector & 0xFFFF) << 4, 0xFFFF, (code ? 0x9B : 0x93));
    }

    public int dpl() {
        return (attributes >>> 5) & 3;
    }

    @Override
    public String toString() {
        return String.format("sel=%04x base=%08x limit=%08x attr=%05x", selector, base, limit, attributes);
    }
}
