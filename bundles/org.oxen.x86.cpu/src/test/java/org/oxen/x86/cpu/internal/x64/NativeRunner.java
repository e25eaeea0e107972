package org.oxen.x86.cpu.internal.x64;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.X86Cpu;

import org.oxen.x86.cpu.internal.RegionRecords;
import org.oxen.x86.host.HostMemory;
import org.oxen.x86.host.NativeCode;
import org.oxen.x86.host.RawMemory;

/**
 * Runs guest code natively, as a dispatcher would: guest RAM is a {@link HostMemory} mapping, a
 * {@link NativeContext} in native memory, the soft TLB filled on each miss for the page of the
 * access, and a region compiled (once per entry EIP) for every EIP the code leaves to.
 *
 * <p>Alone (linear = physical: flat segments, no paging) it stops at a given EIP, at an EIP where
 * no region can start (its first record is outside the native subset), or at an exit it cannot
 * serve (an access that crosses a page or leaves RAM, a DIV that faults): {@link #stopReason}
 * says which. With an interpreter attached ({@link #attach}: an {@link X86Cpu} on the same RAM,
 * {@link NativeRam}) the TLB is filled through the CPU's page walk and every such instruction
 * is run by the interpreter, one at a time, with the state copied across; a write of CR0, CR3
 * or CR4 there empties the TLB. Code is taken not to change under its regions (no write
 * tracking: a benchmark's code does not).
 *
 * <p>Test and benchmark support; one thread.
 */
final class NativeRunner implements AutoCloseable {

    static final int RAM_BYTES = 4 << 20;

    final int ramBytes;
    final long ram;
    final long ctx = HostMemory.reserve(NativeContext.SIZE);
    private final Map<Integer, long[]> regions = new HashMap<>();
    /** Applied to each region's code before it is sealed (a test's deliberate corruption; identity otherwise). */
    private final UnaryOperator<byte[]> patch;
    /** The last call's exit reason, or 0 when the runner stopped at its stop EIP. */
    int stopReason;
    /** Regions compiled and native calls made. */
    int compiled, calls;

    /** The interpreter that runs what native code does not (null: stop there instead). */
    private X86Cpu cpu;
    /** Instructions the interpreter ran. */
    long interpreted;

    NativeRunner() {
        this(UnaryOperator.identity());
    }

    NativeRunner(UnaryOperator<byte[]> patch) {
        this(RAM_BYTES, patch);
    }

    NativeRunner(int ramBytes, UnaryOperator<byte[]> patch) {
        this.ramBytes = ramBytes;
        this.ram = HostMemory.reserve(ramBytes);
        this.patch = patch;
        flushTlb();
    }

    /**
     * Starts again on the same RAM (which the caller reloads): the TLB emptied, the counts zeroed,
     * the compiled regions kept (warm), as a dispatcher keeps its translations across runs.
     */
    void reset() {
        flushTlb();
        RawMemory.putLong(ctx + NativeContext.RETIRED, 0);
        interpreted = 0;
        calls = 0;
        compiled = 0;
    }

    /** Runs what native code does not through {@code cpu}, whose memory is {@link #memory()}. */
    void attach(X86Cpu cpu) {
        this.cpu = cpu;
    }

    /** This runner's RAM as the interpreter's physical memory. */
    PhysicalMemory memory() {
        return new NativeRam(ram, ramBytes);
    }

    private void flushTlb() {
        for (int e = 0; e < NativeContext.TLB_ENTRIES; e++) {
            int at = NativeContext.TLB + e * NativeContext.TLB_ENTRY_BYTES;
            RawMemory.putInt(ctx + at + NativeContext.TLB_READ_TAG, NativeContext.INVALID_TAG);
            RawMemory.putInt(ctx + at + NativeContext.TLB_WRITE_TAG, NativeContext.INVALID_TAG);
        }
    }

    void load(int address, byte[] bytes) {
        RawMemory.copyFromArray(bytes, 0, ram + address, bytes.length);
    }

    void setState(int[] gpr, int eip, int eflags) {
        for (int g = 0; g < 8; g++) RawMemory.putInt(ctx + NativeContext.REGISTERS + 4 * g, gpr[g]);
        RawMemory.putInt(ctx + NativeContext.EIP, eip);
        RawMemory.putInt(ctx + NativeContext.EFLAGS, eflags);
    }

    /** The bases of FS and GS the region's FS- and GS-prefixed accesses add (both flat). */
    void setSegmentBases(int fs, int gs) {
        RawMemory.putInt(ctx + NativeContext.FS_BASE, fs);
        RawMemory.putInt(ctx + NativeContext.GS_BASE, gs);
    }

    int gpr(int g) {
        return RawMemory.getInt(ctx + NativeContext.REGISTERS + 4 * g);
    }

    int eip() {
        return RawMemory.getInt(ctx + NativeContext.EIP);
    }

    int eflags() {
        return RawMemory.getInt(ctx + NativeContext.EFLAGS);
    }

    long retired() {
        return RawMemory.getLong(ctx + NativeContext.RETIRED);
    }

    int int32(int address) {
        return RawMemory.getInt(ram + address);
    }

    /**
     * Runs from the context's EIP until EIP {@code stop}, each call's budget {@code passes}: a
     * check point (the entry, a loop head) leaves once the call has retired more than that many
     * instructions ({@link NativeContext#BUDGET}); the call is then entered again.
     */
    void run(int stop, long passes) {
        run(() -> eip() == stop, passes);
    }

    /** Runs until {@code done} holds (tested between calls and interpreted instructions). */
    void run(BooleanSupplier done, long passes) {
        stopReason = 0;
        while (!done.getAsBoolean()) {
            long[] code = region(eip());
            int reason = NativeContext.EXIT_END;
            if (code != null) {
                RawMemory.putLong(ctx + NativeContext.BUDGET, retired() + passes);
                reason = (int) NativeCode.call(code[0], ctx);
                calls++;
                if (reason == NativeContext.EXIT_TLB_MISS && fill()) continue;
                if (reason == NativeContext.EXIT_BUDGET || reason == NativeContext.EXIT_END) continue; // the next EIP's region
                // a DIV that faults, an access that crosses a page or faults: the interpreter's
            }
            if (cpu == null) {
                stopReason = reason;
                return;
            }
            interpretOne();
        }
    }

    /** One instruction through the interpreter, the state copied there and back. */
    private void interpretOne() {
        for (int g = 0; g < 8; g++) cpu.setGpr(g, gpr(g));
        cpu.setEip(eip());
        cpu.setEflags(eflags());
        int cr0 = cpu.cr(0), cr3 = cpu.cr(3), cr4 = cpu.cr(4);
        long before = cpu.instructionCount();
        cpu.run(1);
        interpreted += cpu.instructionCount() - before;
        int[] gpr = new int[8];
        for (int g = 0; g < 8; g++) gpr[g] = cpu.gpr(g);
        setState(gpr, cpu.eip(), cpu.eflags());
        if (cpu.cr(0) != cr0 || cpu.cr(3) != cr3 || cpu.cr(4) != cr4) flushTlb();
    }

    /**
     * Fills the TLB entry of the missed access's page (both tags without paging; with the
     * interpreter, the tag of the access's kind, through its page walk, which sets the accessed
     * and dirty bits as the access would); false if it cannot (the access crosses a page, leaves
     * RAM, or faults).
     */
    private boolean fill() {
        int linear = RawMemory.getInt(ctx + NativeContext.MISS_ADDRESS);
        int access = RawMemory.getInt(ctx + NativeContext.MISS_ACCESS);
        int size = access & 0xFF;
        boolean write = (access & NativeContext.MISS_WRITE) != 0;
        int page = linear & ~0xFFF;
        if (((linear + size - 1) & ~0xFFF) != page) return false;
        long physical = cpu == null ? Integer.toUnsignedLong(page) : cpu.translateLinear(page, write, false);
        if (physical < 0 || physical + 4096 > ramBytes) return false;
        long addend = ram + physical - Integer.toUnsignedLong(page);
        int at = NativeContext.tlbEntry(linear);
        long entry = ctx + at;
        if (cpu == null || write) {
            RawMemory.putInt(entry + NativeContext.TLB_WRITE_TAG, page);
        } else if (RawMemory.getInt(entry + NativeContext.TLB_WRITE_TAG) != page) {
            RawMemory.putInt(entry + NativeContext.TLB_WRITE_TAG, NativeContext.INVALID_TAG); // it used the old addend
        }
        RawMemory.putInt(entry + NativeContext.TLB_READ_TAG, page); // writable is readable at CPL 0
        RawMemory.putLong(entry + NativeContext.TLB_ADDEND, addend);
        return true;
    }

    /** The code of the region entered at {@code eip} ({address, bytes}), compiled on first use; null if none can start there. */
    private long[] region(int eip) {
        if (regions.containsKey(eip)) return regions.get(eip);
        long physical = cpu == null ? Integer.toUnsignedLong(eip & ~0xFFF) : cpu.translateLinear(eip & ~0xFFF, false, false);
        if (physical < 0 || physical + 4096 > ramBytes) return null; // the interpreter takes the fault
        byte[] frame = new byte[4096];
        RawMemory.copyToArray(ram + physical, frame, 0, 4096);
        RegionRecords r = RegionRecords.plan(frame, eip & 0xFFF, 64);
        byte[] code = r == null ? null : NativeRegionCompiler.compile(r, eip & ~0xFFF);
        long[] out = null;
        if (code != null) {
            code = patch.apply(code);
            long at = NativeCode.allocate(code.length);
            RawMemory.copyFromArray(code, 0, at, code.length);
            NativeCode.seal(at, code.length);
            out = new long[] {at, code.length};
            compiled++;
            String dump = System.getProperty("oxen.native.dump"); // a directory: each region's code, named by its host address
            if (dump != null) {
                try {
                    java.nio.file.Files.write(java.nio.file.Path.of(dump, Long.toHexString(at) + "-" + Integer.toHexString(eip) + ".bin"), code);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        regions.put(eip, out);
        return out;
    }

    @Override
    public void close() {
        for (long[] c : regions.values()) if (c != null) NativeCode.release(c[0], c[1]);
        HostMemory.release(ram, ramBytes);
        HostMemory.release(ctx, NativeContext.SIZE);
    }
}
