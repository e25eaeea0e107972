package org.oxen.x86.cpu.internal.x64;

/**
 * The layout of the context a native region runs on: one struct in native memory per virtual
 * CPU, passed as the only argument of the generated function ({@code int64_t f(void *ctx)},
 * which returns the exit reason). The generated code and its Java owner both read this class;
 * it is the one description of the layout (little-endian, offsets in bytes).
 *
 * <p>At entry the region loads the guest registers and the arithmetic flags of {@link #EFLAGS}
 * from here; at every exit it stores them back, with {@link #EIP} exact (the next instruction
 * to run), {@link #REASON}, the retired-instruction count and the budget.
 *
 * <p>The soft TLB ({@link #TLB}, QEMU's CPUTLBEntry idea): {@link #TLB_ENTRIES} direct-mapped
 * entries indexed by bits 12-19 of the linear address, each a read tag, a write tag (the
 * page's linear address, or {@link #INVALID_TAG}) and the addend that turns a linear address
 * of the page into a host address. The owner fills an entry only for a page the current
 * privilege level may read (or write); a write tag only when the page's dirty bit is set and
 * the frame holds no translated code, so that every store that must be seen misses.
 */
public final class NativeContext {

    private NativeContext() {
    }

    /** Guest EAX..EDI, 4 bytes each, in the SDM's register order. */
    public static final int REGISTERS = 0;
    /** The next guest instruction's EIP (written at every exit). */
    public static final int EIP = 32;
    /** Guest EFLAGS: the region reads and writes only its arithmetic bits (CF PF AF ZF SF OF). */
    public static final int EFLAGS = 36;
    /** Why the region returned: one of the {@code EXIT_*} values (also the call's result). */
    public static final int REASON = 40;
    /** At {@link #EXIT_TLB_MISS}: the linear address of the access. */
    public static final int MISS_ADDRESS = 44;
    /** At {@link #EXIT_TLB_MISS}: the access's size in bytes, plus {@link #MISS_WRITE} for a store. */
    public static final int MISS_ACCESS = 48;
    /**
     * Budget (a long): a check point (the entry, loop heads) reached with {@link #RETIRED} above
     * it leaves with {@link #EXIT_BUDGET}. The owner sets it to the instructions the call may
     * retire, less the most the region retires from one check point to the next check or an
     * exit, plus {@link #RETIRED} at the call (a negative budget runs nothing).
     */
    public static final int BUDGET = 56;
    /** Retired guest instructions (a long; the region adds its own). */
    public static final int RETIRED = 64;
    /**
     * At {@link #EXIT_TLB_MISS}: the access's resume point in the region's code (an int from 1),
     * for {@link #RESUME}.
     */
    public static final int MISS_RESUME = 72;
    /**
     * Set by the owner before a call (an int; 0: none): the code does not start at the region's
     * entry but at this resume point: the access of the last {@link #EXIT_TLB_MISS} (its {@link
     * #MISS_RESUME}), whose page the owner has filled, with the registers, flags and retired count
     * the exit stored (QEMU's tlb_fill returning into the block, as a return and a call); or a
     * check point of the region ({@code NativeRegionCompiler.entryPoints}: its loop heads), where
     * the budget is checked as at the entry. The code clears it.
     */
    public static final int RESUME = 76;
    /** The soft TLB's first entry. */
    public static final int TLB = 128;
    public static final int TLB_ENTRIES = 256, TLB_ENTRY_BYTES = 16;
    /** Fields of an entry: read tag (int), write tag (int), addend (long). */
    public static final int TLB_READ_TAG = 0, TLB_WRITE_TAG = 4, TLB_ADDEND = 8;
    /** A tag no page-aligned address equals. */
    public static final int INVALID_TAG = -1;
    /**
     * The bases of FS and GS (ints; added after the TLB by the widened subset): a region's FS- or
     * GS-prefixed access adds its segment's base to the offset, so the owner enters native code
     * only while FS and GS are flat (4 GiB limit, expand-up, usable at the CPL) and writes their
     * bases here at entry (Linux's per-cpu accesses are {@code fs:} with a per-CPU base).
     */
    public static final int FS_BASE = TLB + TLB_ENTRIES * TLB_ENTRY_BYTES, GS_BASE = FS_BASE + 4;
    /** Bytes of a context. */
    public static final int SIZE = GS_BASE + 4;

    public static final int MISS_WRITE = 0x100;

    /** The region reached an instruction or target it does not hold: {@link #EIP} is that instruction. */
    public static final int EXIT_END = 1;
    /** The budget ran out at a loop head: {@link #EIP} is the loop head, nothing of it ran. */
    public static final int EXIT_BUDGET = 2;
    /** A load or store missed the TLB or crosses a page: {@link #EIP} is the instruction, nothing of it ran. */
    public static final int EXIT_TLB_MISS = 3;
    /**
     * An instruction the native code leaves to the interpreter in this case (a DIV that faults):
     * {@link #EIP} is the instruction, nothing of it ran.
     */
    public static final int EXIT_SLOW = 4;

    /** The TLB entry's offset in the context for linear address {@code linear}. */
    public static int tlbEntry(int linear) {
        return TLB + ((linear >>> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_BYTES;
    }
}
