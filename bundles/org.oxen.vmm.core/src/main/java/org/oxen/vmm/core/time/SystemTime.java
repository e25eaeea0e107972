package org.oxen.vmm.core.time;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.x86.api.Clock;
import org.oxen.x86.api.Ram;
import org.oxen.x86.clock.RealClock;

/**
 * Xen system time: nanoseconds since the hypervisor started, read from the hypervisor's time
 * source (org.oxen.x86.clock, the same clocks the board runs on; {@link RealClock} by default).
 * It is also every vcpu's TSC time base ({@link Clock}), so the emulated TSC runs at 1 GHz and
 * vcpu_time_info scales it with mul = 2^31, shift = 1 (delta << 1 * 2^31 >> 32 = delta).
 *
 * <p>vcpu_time_info is written with Xen's version protocol: version odd while updating, even
 * after; readers retry until they see the same even version twice.
 */
public final class SystemTime implements Clock {

    public static final int TSC_TO_SYSTEM_MUL = 0x80000000;
    public static final int TSC_SHIFT = 1;

    private final Clock source;
    private final long start;
    private final long wallclockAtStartNs = System.currentTimeMillis() * 1_000_000L;

    /** System time from the host's monotonic clock ({@link RealClock}). */
    public SystemTime() {
        this(new RealClock());
    }

    /**
     * System time from another nanosecond source (benchmarks use the pCPU thread's CPU time so
     * that a loaded host does not distort guest-measured durations; one pCPU only then).
     */
    public SystemTime(Clock source) {
        this.source = source;
        this.start = source.nanos();
    }

    @Override
    public long nanos() {
        return source.nanos() - start;
    }

    /** Writes the vcpu_time_info at machine address {@code ti} (system time now = TSC now). */
    public void updateVcpuTime(Ram ram, long ti) {
        int version = ram.read32(ti + SharedInfo.TIME_VERSION);
        ram.write32(ti + SharedInfo.TIME_VERSION, (version | 1) + ((version & 1) == 0 ? 0 : 2));
        long now = nanos();
        ram.write64(ti + SharedInfo.TIME_TSC_TIMESTAMP, now);
        ram.write64(ti + SharedInfo.TIME_SYSTEM_TIME, now);
        ram.write32(ti + SharedInfo.TIME_TSC_TO_SYSTEM_MUL, TSC_TO_SYSTEM_MUL);
        ram.write8(ti + SharedInfo.TIME_TSC_SHIFT, TSC_SHIFT);
        int v = ram.read32(ti + SharedInfo.TIME_VERSION);
        ram.write32(ti + SharedInfo.TIME_VERSION, v + 1);
    }

    /** Writes the wallclock (time of system time 0) into shared_info at {@code si}. */
    public void updateWallclock(Ram ram, long si) {
        int version = ram.read32(si + SharedInfo.WC_VERSION);
        ram.write32(si + SharedInfo.WC_VERSION, version + 1);
        ram.write32(si + SharedInfo.WC_SEC, (int) (wallclockAtStartNs / 1_000_000_000L));
        ram.write32(si + SharedInfo.WC_NSEC, (int) (wallclockAtStartNs % 1_000_000_000L));
        ram.write32(si + SharedInfo.WC_VERSION, version + 2);
    }
}
