package org.oxen.x86.cpu.internal;

import org.oxen.x86.host.RawMemory;

/**
 * Guest-RAM accesses by host address without checks, for translated code's inline memory
 * accesses ({@code RegionEmitter.access}), whose pages come from TLB entries.
 *
 * <p>The invariant that makes them safe: {@code page} is a TLB entry's page address, which comes
 * only from {@code DirectMemory.directAddress}, whose contract is that the whole 4 KiB page from
 * it stays mapped while the memory is reachable (the CPU holds its memory, and these accesses
 * run inside its run loop); and every access's {@code offset} in that page has passed the TLB
 * hit test, {@code offset <= PAGE - bytes}. So every byte touched lies inside the page. Only the
 * offset comes from the guest, so a guest cannot reach outside the page its access was
 * translated to. Dwords are in the host's order, little-endian ({@link RawMemory} checks it),
 * unaligned as x86 allows.
 *
 * <p>Why unchecked: the array bounds check of the {@code byte[]} pages this replaced (the array's
 * length loaded, compared, a branch, and the index widened for it) was about a sixth of the
 * host instructions of x86bench mix's hottest one-block loops (docs/PERFORMANCE.md, "Warm speed
 * V"); with guest RAM outside the heap there is no array to check.
 */
final class UncheckedPage {

    static final int PAGE = 0x1000;

    private UncheckedPage() {
    }

    static int load8(long page, int offset) {
        return RawMemory.getByte(page + offset) & 0xFF;
    }

    static void store8(long page, int offset, int v) {
        RawMemory.putByte(page + offset, (byte) v);
    }

    static int load32(long page, int offset) {
        return RawMemory.getInt(page + offset);
    }

    static void store32(long page, int offset, int v) {
        RawMemory.putInt(page + offset, v);
    }
}
