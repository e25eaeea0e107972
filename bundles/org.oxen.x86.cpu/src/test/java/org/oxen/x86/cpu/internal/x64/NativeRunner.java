package org.oxen.x86.cpu.internal.x64;

import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.oxen.x86.cpu.internal.RegionRecords;
import org.oxen.x86.host.HostMemory;
import org.oxen.x86.host.NativeCode;
import org.oxen.x86.host.RawMemory;

/**
 * Runs guest code natively, as a dispatcher would: guest RAM is a {@link HostMemory} mapping
 * (linear = physical: flat segments, no paging), a {@link NativeContext} in native memory, the
 * soft TLB filled on each miss for the page of the access, and a region compiled (once per
 * entry EIP) for every EIP the code leaves to. It stops at a given EIP, at an EIP where no region
 * can start (its first record is outside the native subset), or at a miss it cannot fill (an
 * access that crosses a page, or outside RAM): {@link #stopReason} says which.
 *
 * <p>Test and benchmark support; one thread.
 */
final class NativeRunner implements AutoCloseable {

    static final int RAM_BYTES = 4 << 20;

    final long ram = HostMemory.reserve(RAM_BYTES);
    final long ctx = HostMemory.reserve(NativeContext.SIZE);
    private final Map<Integer, long[]> regions = new HashMap<>();
    /** Applied to each region's code before it is sealed (a test's deliberate corruption; identity otherwise). */
    private final UnaryOperator<byte[]> patch;
    /** The last call's exit reason, or 0 when the runner stopped at its stop EIP. */
    int stopReason;
    /** Regions compiled and native calls made. */
    int compiled, calls;

    NativeRunner() {
        this(UnaryOperator.identity());
    }

    NativeRunner(UnaryOperator<byte[]> patch) {
        this.patch = patch;
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
     * Runs from the context's EIP until EIP {@code stop}, with {@code passes} loop-head passes per
     * call (each call may exit on its budget and is entered again).
     */
    void run(int stop, long passes) {
        stopReason = 0;
        while (eip() != stop) {
            long[] code = region(eip());
            if (code == null) {
                stopReason = NativeContext.EXIT_END;
                return;
            }
            RawMemory.putLong(ctx + NativeContext.BUDGET, passes);
            int reason = (int) NativeCode.call(code[0], ctx);
            calls++;
            if (reason == NativeContext.EXIT_TLB_MISS && fill()) continue;
            if (reason != NativeContext.EXIT_END && reason != NativeContext.EXIT_BUDGET) {
                stopReason = reason;
                return;
            }
        }
    }

    /** Fills the TLB entry of the missed access's page; false if it cannot (the access crosses a page, or leaves RAM). */
    private boolean fill() {
        int linear = RawMemory.getInt(ctx + NativeContext.MISS_ADDRESS);
        int size = RawMemory.getInt(ctx + NativeContext.MISS_ACCESS) & 0xFF;
        int page = linear & ~0xFFF;
        if (((linear + size - 1) & ~0xFFF) != page || Integer.toUnsignedLong(page) >= RAM_BYTES) return false;
        int at = NativeContext.tlbEntry(linear);
        RawMemory.putInt(ctx + at + NativeContext.TLB_READ_TAG, page);
        RawMemory.putInt(ctx + at + NativeContext.TLB_WRITE_TAG, page);
        RawMemory.putLong(ctx + at + NativeContext.TLB_ADDEND, ram); // host = ram + linear (linear = physical here)
        return true;
    }

    /** The code of the region entered at {@code eip} ({address, bytes}), compiled on first use; null if none can start there. */
    private long[] region(int eip) {
        if (regions.containsKey(eip)) return regions.get(eip);
        byte[] frame = new byte[4096];
        RawMemory.copyToArray(ram + (eip & ~0xFFF), frame, 0, 4096);
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
        }
        regions.put(eip, out);
        return out;
    }

    @Override
    public void close() {
        for (long[] c : regions.values()) if (c != null) NativeCode.release(c[0], c[1]);
        HostMemory.release(ram, RAM_BYTES);
        HostMemory.release(ctx, NativeContext.SIZE);
    }
}
