package org.oxen.x86.cpu.internal;

import org.oxen.x86.host.RawMemory;

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
 * instruction, sets {@code startEip} and {@code jitPartial} and rethrows.
 *
 * <p>Code checks: a region compares its code bytes with memory ({@link #verify}) only when it is
 * entered in a code epoch ({@code Paging.codeEpoch}) other than the one it last compared in; entry
 * is otherwise one compare ({@link #enter}). The epoch moves at every batch of the run loop, at
 * every instruction the interpreter runs (serializing ones among them), at {@code invalidateCode}
 * and at every store into a frame holding this CPU's translated code: such frames have no write tags in the CPU's TLB
 * ({@code Paging.holdCodeFrameWrites}), so those stores take the slow path, which sets
 * {@code Paging.codeWritten}. After a store the translated code tests {@code codeWritten} and then
 * compares the whole region at once; changed code ends the region after the store and sets
 * {@link #dead}; a stop asked for by a device the store reached ends it there too, alive
 * ({@link #storeChecked}). So the CPU's own stores are seen by its next instruction, and other CPUs' stores
 * and DMA at its next batch or serializing instruction, whichever comes first (x86 asks a CPU to
 * see cross-modified code only after a serializing instruction); a chain of regions running on
 * over granted batches sees them when it leaves for the interpreter or an input ends it.
 *
 * <p>Locking: none; a region belongs to one CPU (its {@link CodePage}) and runs on its thread.
 */
abstract class Region {

    /** Set by the region when its code bytes changed; the dispatcher then drops it. */
    boolean dead;

    /**
     * Set by a native region whose code is gone (its CPU's code arena was flushed whole): the
     * dispatcher drops it without counting a death, and the entry may be translated again.
     */
    boolean stale;
    /** For a JVM region: why it was not compiled natively ({@code InstructionCensus.JR_*}, for the census). */
    byte notNative;

    /** The record index of the entry in its page (where the dispatcher links it). */
    int entryRecord;

    /** Its class came from {@link SharedRegions} (translated before, by this or another CPU). */
    boolean shared;

    /** The frame offset of the entry. */
    int entryOffset;

    /**
     * How often it left before an instruction whose access missed the inline path (counted by its
     * exits, {@code RegionCompiler.exitBeforeInstruction}), and the instructions it retired in all
     * (counted by the dispatcher): {@code Cached.runRegions} compiles the entry again with calls
     * on those paths when the exits are frequent (a loop whose access is always off the inline
     * path, e.g. MMIO, would otherwise leave at every round and run in the decoded loop).
     */
    int slowExits;
    long retired;

    /** The code epoch in which the region last found its bytes unchanged (-1: never). */
    private long verified = -1;

    /** The frame offsets the region's blocks cover, as [from, to) pairs, ascending and disjoint. */
    private int[] ranges;

    /** The bytes of those ranges, one after another, as they were translated. */
    private byte[] code;

    /** Runs the region on {@code c}; returns the instructions retired. */
    abstract int run(Cached c, int budget);

    /** Takes the code bytes the region was translated from ({@code ranges} and their bytes). */
    final void translatedFrom(int[] ranges, byte[] code) {
        this.ranges = ranges;
        this.code = code;
    }

    /**
     * The region's entry check (translated code's prologue, with the frame's bytes at host
     * address {@code page + offset}, the fetch window's page): true when its code may run, at
     * once if it was compared in the current code epoch.
     */
    final boolean enter(Cached c, long page) {
        return verified == c.codeEpoch || verify(c, page);
    }

    /**
     * Compares every byte the region was translated from with the frame now: true if equal (the
     * region is then verified for the current code epoch, and the store that may have changed
     * code, {@code codeWritten}, is consumed); false, with {@link #dead} set, if any changed.
     */
    final boolean verify(Cached c, long page) {
        c.codeWritten = false;
        c.jitCodeChecks++;
        int[] rs = ranges;
        byte[] was = code;
        for (int i = 0, at = 0; i < rs.length; i += 2) {
            // the ranges lie inside the page (instructions are decoded only up to 16 bytes
            // before its end): compared eight bytes at a time, then the tail
            long from = page + rs[i];
            int n = rs[i + 1] - rs[i], j = 0;
            for (; j + 8 <= n; j += 8) {
                if (RawMemory.getLong(from + j) != (long) Mmu.I64.get(was, at + j)) {
                    dead = true;
                    return false;
                }
            }
            for (; j < n; j++) {
                if (RawMemory.getByte(from + j) != was[at + j]) {
                    dead = true;
                    return false;
                }
            }
            at += n;
        }
        verified = c.codeEpoch;
        return true;
    }

    /**
     * Translated code's test after a store through the CPU that set {@code codeWritten}: true
     * when the region may go on, i.e. its code is unchanged ({@link #verify}: false with
     * {@link #dead} set otherwise) and the store did not reach a device that asked for a stop
     * after this instruction ({@code Core.requestStopAfterInstruction} sets {@code codeWritten}
     * and {@code breakBatch}). False: the region leaves after the store.
     */
    final boolean storeChecked(Cached c, long page) {
        return verify(c, page) && !c.breakBatch;
    }
}
