package org.oxen.x86.cpu.internal;

/**
 * A translated region: the blocks of one code frame reachable from a hot entry (see
 * {@link RegionPlan}), compiled by {@link RegionCompiler} into one JVM method of a hidden class.
 * Guest registers and the lazy-flag state live in JVM locals while it runs; branches between its
 * blocks are jumps inside the method, so a guest loop runs as a JVM loop.
 *
 * <p>Contract of {@link #run}: called from the decoded-instruction loop with EIP at the entry,
 * the fetch window on this region's frame, 32-bit code and no prefixes pending. It returns the
 * number of instructions retired (never more than {@code budget}; 0 if it could not start) with
 * EIP, registers and flags written back. On a fault it writes back the state before the faulting
 * instruction, sets {@code startEip} and {@code jitPartial} and rethrows. A block compares its
 * bytes with memory the first time it runs in a call and after a store into a frame holding this
 * CPU's translated code, and the rest of a block is compared again right after such a store:
 * changed code ends the region there and sets {@link #dead}. Frames holding translated code have
 * no write tags in the CPU's TLB ({@code Mmu.holdCodeFrameWrites}), so every store into them
 * takes the slow path, which sets {@code Mmu.codeWritten}; other stores cost no check.
 *
 * <p>Locking: none; a region belongs to one CPU (its {@link CodePage}) and runs on its thread.
 */
abstract class Region {

    /** Set by the region when its code bytes changed; the dispatcher then drops it. */
    boolean dead;

    /** The record index of the entry in its page (where the dispatcher links it). */
    int entryRecord;

    /** Its class came from {@link SharedRegions} (translated before, by this or another CPU). */
    boolean shared;

    /** Runs the region on {@code c}; returns the instructions retired. */
    abstract int run(Cached c, int budget);

    /** Eight code bytes at {@code arr[i]} (the translated code's byte check). */
    static long code64(byte[] arr, int i) {
        return (long) Mmu.I64.get(arr, i);
    }

    /** A little-endian dword of guest RAM (the translated code's inline memory fast path). */
    static int load32(byte[] arr, int i) {
        return (int) Mmu.I32.get(arr, i);
    }

    static void store32(byte[] arr, int i, int v) {
        Mmu.I32.set(arr, i, v);
    }
}
