package org.oxen.x86.cpu.internal.x64;

import java.lang.ref.Cleaner;
import java.util.Locale;

import org.oxen.x86.host.HostMemory;
import org.oxen.x86.host.NativeCode;
import org.oxen.x86.host.RawMemory;

/**
 * One CPU's native tier: its {@link NativeContext} (registers, exit, budget and the soft TLB) and
 * its code arena, both in native memory, freed when the CPU is (a {@link Cleaner} on the CPU
 * object: the CPU is unreachable then, so no thread runs its code).
 *
 * <p>Code arena (QEMU's code_gen_buffer and tb_flush): one mapping of {@link #ARENA_BYTES} per
 * CPU, filled from the bottom; a region's code is written into it, then its pages are sealed
 * read-execute. When a region does not fit, the owner flushes the arena whole ({@link
 * #flushCode}): every region compiled into it becomes stale ({@link #generation} moves; a stale
 * region runs nothing and is dropped by the dispatcher) and the arena is reused from the bottom.
 * The arena never grows, and its code is only ever written or flushed on the CPU's own thread
 * between native calls, so no code that a thread is running changes under it.
 *
 * <p>Soft TLB: a copy of entries of the CPU's own TLB ({@code Paging}), filled by the owner
 * ({@link #fill}) and emptied wherever that TLB is flushed ({@link #flushTlb}, {@link
 * #invalidatePage}), so it never holds a mapping the CPU's TLB could not hold: a frame is freed
 * only after every vcpu's TLB has been flushed (the hypervisor's rule), which empties this one
 * too. The entries filled since the last flush are listed, so a flush costs what was filled.
 *
 * <p>Locking: none; a tier belongs to one CPU and is used only on the thread running it (its
 * cleaner's action runs when the CPU is unreachable).
 */
public final class NativeTier {

    /**
     * Bytes of one CPU's code arena (virtual; the kernel commits the pages code is written to,
     * so a CPU's resident code is what it compiled, up to this). A stock Linux boot to its prompt
     * compiles 7,300 native regions, 20.8 MB of code (docs/PERFORMANCE.md, "Arrivals counted: a
     * Linux boot in native code"): 4 MiB flushed five times in it, each flush compiling the hot
     * regions again; 32 MiB holds the boot with room.
     */
    public static final int ARENA_BYTES = 32 << 20;
    private static final int PAGE = 4096;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final boolean AVAILABLE = probe();

    /** The context's address (one {@link NativeContext}). */
    public final long context;
    private final long arena;
    private final int arenaBytes;
    /** The arena's first free byte (offset). */
    private int used;
    /** Moves at every {@link #flushCode}: code compiled in an earlier generation is gone. */
    private int generation;
    /** The TLB entries filled since the last flush, each listed once. */
    private final int[] filled = new int[NativeContext.TLB_ENTRIES];
    private final boolean[] listed = new boolean[NativeContext.TLB_ENTRIES];
    private int nFilled;
    /** Code flushes so far (a statistic). */
    private long codeFlushes;

    /** A tier for {@code owner} (its context and arena are released when {@code owner} is unreachable). */
    public NativeTier(Object owner) {
        this(owner, ARENA_BYTES);
    }

    /** A tier with an arena of {@code arenaBytes} (whole host pages; tests fill a small one). */
    NativeTier(Object owner, int arenaBytes) {
        if (arenaBytes <= 0 || arenaBytes % PAGE != 0) throw new IllegalArgumentException("arena of " + arenaBytes + " bytes: whole pages");
        this.arenaBytes = arenaBytes;
        long ctx = HostMemory.reserve(NativeContext.SIZE);
        long code;
        try {
            code = NativeCode.allocate(arenaBytes);
        } catch (RuntimeException | Error e) {
            HostMemory.release(ctx, NativeContext.SIZE);
            throw e;
        }
        context = ctx;
        arena = code;
        CLEANER.register(owner, new Release(ctx, code, arenaBytes));
        for (int e = 0; e < NativeContext.TLB_ENTRIES; e++) clearEntry(e);
        setResume(0);
    }

    /** Frees the context and the arena (the cleaner's action: nothing of the CPU runs any more). */
    private record Release(long context, long arena, int arenaBytes) implements Runnable {
        @Override
        public void run() {
            NativeCode.release(arena, arenaBytes);
            HostMemory.release(context, NativeContext.SIZE);
        }
    }

    /**
     * Whether native code runs in this JVM: the host is Linux on x86-64, the host library
     * ({@code org.oxen.x86.host}) loads, and the JVM was not started with {@code
     * -Doxen.x86.native=false} (the switch for a whole runtime: {@code runtime/launch.sh
     * [--machine] -Doxen.x86.native=false}). Decided once, when the first CPU asks.
     */
    public static boolean available() {
        return AVAILABLE;
    }

    private static boolean probe() {
        if (!Boolean.parseBoolean(System.getProperty("oxen.x86.native", "true"))) return false;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) return false;
        try {
            return HostMemory.PAGE_SIZE == PAGE;
        } catch (LinkageError e) { // the library did not load: the JVM tiers only
            return false;
        }
    }

    // ---- code ----

    /** The arena's generation: a region compiled in another one is stale. */
    public int generation() {
        return generation;
    }

    public long codeFlushes() {
        return codeFlushes;
    }

    /**
     * Copies {@code code} into the arena and seals it; returns its address, or 0 if the arena
     * has no room left (the owner then flushes it and compiles again).
     */
    public long install(byte[] code) {
        return install(code, 0);
    }

    /**
     * The same for a region entered at guest linear address {@code eip}, the name {@link
     * NativeCodeMap} gives its code in a perf map or a dump when those are asked for.
     */
    public long install(byte[] code, int eip) {
        int start = (used + 63) & ~63; // a cache line of its own for each region's entry
        if (code.length > arenaBytes - start) return 0;
        long at = arena + start;
        long firstPage = (arena + start) & -PAGE, end = at + code.length;
        long bytes = ((end + PAGE - 1) & -PAGE) - firstPage;
        NativeCode.unseal(firstPage, bytes); // a page may hold the end of the previous region: not running now
        RawMemory.copyFromArray(code, 0, at, code.length);
        NativeCode.seal(firstPage, bytes);
        used = start + code.length;
        if (NativeCodeMap.enabled()) NativeCodeMap.installed(at, code, eip, generation);
        return at;
    }

    /**
     * Empties the arena: every region compiled so far is stale from now on. Called on the CPU's
     * thread outside native code.
     */
    public void flushCode() {
        generation++;
        codeFlushes++;
        used = 0;
    }

    /** Runs the code at {@code code} (from {@link #install} in the current generation) on the context. */
    public int call(long code) {
        return (int) NativeCode.call(code, context);
    }

    // ---- the context's fields ----

    public int register(int g) {
        return RawMemory.getInt(context + NativeContext.REGISTERS + 4 * g);
    }

    public void setRegister(int g, int v) {
        RawMemory.putInt(context + NativeContext.REGISTERS + 4 * g, v);
    }

    public int eip() {
        return RawMemory.getInt(context + NativeContext.EIP);
    }

    public int eflags() {
        return RawMemory.getInt(context + NativeContext.EFLAGS);
    }

    public void setEflags(int v) {
        RawMemory.putInt(context + NativeContext.EFLAGS, v);
    }

    public int missAddress() {
        return RawMemory.getInt(context + NativeContext.MISS_ADDRESS);
    }

    public int missAccess() {
        return RawMemory.getInt(context + NativeContext.MISS_ACCESS);
    }

    /** At a TLB miss: its access's resume point ({@link NativeContext#MISS_RESUME}). */
    public int missResume() {
        return RawMemory.getInt(context + NativeContext.MISS_RESUME);
    }

    /** The next call continues at resume point {@code point} ({@link NativeContext#RESUME}) instead of the entry. */
    public void setResume(int point) {
        RawMemory.putInt(context + NativeContext.RESUME, point);
    }

    public void setBudget(long checkPoints) {
        RawMemory.putLong(context + NativeContext.BUDGET, checkPoints);
    }

    public long retired() {
        return RawMemory.getLong(context + NativeContext.RETIRED);
    }

    public void setRetired(long v) {
        RawMemory.putLong(context + NativeContext.RETIRED, v);
    }

    /** The FS and GS bases an FS- or GS-prefixed access of native code adds ({@link NativeContext#FS_BASE}). */
    public void setSegmentBases(int fs, int gs) {
        RawMemory.putInt(context + NativeContext.FS_BASE, fs);
        RawMemory.putInt(context + NativeContext.GS_BASE, gs);
    }

    // ---- the soft TLB ----

    private void clearEntry(int e) {
        long at = context + NativeContext.TLB + (long) e * NativeContext.TLB_ENTRY_BYTES;
        RawMemory.putInt(at + NativeContext.TLB_READ_TAG, NativeContext.INVALID_TAG);
        RawMemory.putInt(at + NativeContext.TLB_WRITE_TAG, NativeContext.INVALID_TAG);
    }

    /** Empties the TLB (the CPU's TLB was flushed, or the privilege level its entries were filled for changed). */
    public void flushTlb() {
        for (int k = 0; k < nFilled; k++) {
            int e = filled[k];
            clearEntry(e);
            listed[e] = false;
        }
        nFilled = 0;
    }

    /** Drops the entry of the page of {@code linear} (INVLPG of a 4 KiB page). */
    public void invalidatePage(int linear) {
        int e = (linear >>> 12) & (NativeContext.TLB_ENTRIES - 1);
        if (listed[e]) clearEntry(e);
    }

    /**
     * Fills the entry of {@code page} (page-aligned linear address) with the CPU's TLB entry for
     * it: its read and write tags ({@link NativeContext#INVALID_TAG} for an access that must take
     * the CPU's path) and its RAM page's host address.
     */
    public void fill(int page, int readTag, int writeTag, long hostPage) {
        int e = (page >>> 12) & (NativeContext.TLB_ENTRIES - 1);
        long at = context + NativeContext.TLB + (long) e * NativeContext.TLB_ENTRY_BYTES;
        RawMemory.putInt(at + NativeContext.TLB_READ_TAG, readTag);
        RawMemory.putInt(at + NativeContext.TLB_WRITE_TAG, writeTag);
        RawMemory.putLong(at + NativeContext.TLB_ADDEND, hostPage - Integer.toUnsignedLong(page));
        if (!listed[e]) {
            listed[e] = true;
            filled[nFilled++] = e;
        }
    }

    /** The entry's tag for {@code linear}'s page: read ({@code write} false) or write, for tests. */
    public int tag(int linear, boolean write) {
        long at = context + NativeContext.tlbEntry(linear);
        return RawMemory.getInt(at + (write ? NativeContext.TLB_WRITE_TAG : NativeContext.TLB_READ_TAG));
    }
}
