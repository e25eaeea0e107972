package org.oxen.vmm.core.time;

import java.time.Instant;
import java.util.function.LongSupplier;

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
 * after; readers retry until they see the same even version twice. It is written when a vcpu
 * is scheduled in and, as Xen's once-a-second time calibration does, again when the record is
 * {@link #REFRESH_NS} old ({@link #refreshVcpuTime}). The wall clock (wc_sec/wc_nsec: the
 * wall-clock time of system time 0) is recomputed from the host's wall clock at each write, as
 * Xen's update_domain_wallclock_time does, so it follows steps of the host's clock.
 *
 * <p>Threading: stateless after construction; each record has one writer (the pCPU running
 * its vcpu; the wall clock: the pCPU running vcpu 0, or the builder before the domain runs).
 */
public final class SystemTime implements Clock {

    public static final int TSC_TO_SYSTEM_MUL = 0x80000000;
    public static final int TSC_SHIFT = 1;

    /** Age at which a running vcpu's time record is rewritten (Xen's calibration EPOCH, 1 s). */
    public static final long REFRESH_NS = 1_000_000_000L;

    private final Clock source;
    private final long start;
    private final LongSupplier wallNanos;

    /** System time from the host's monotonic clock ({@link RealClock}). */
    public SystemTime() {
        this(new RealClock());
    }

    /**
     * System time from another clock (benchmarks use the pCPU thread's CPU time so that a
     * loaded host does not distort guest-measured durations; one pCPU only then).
     */
    public SystemTime(Clock source) {
        this(source, SystemTime::hostWallNanos);
    }

    /** System time from {@code source}; wall-clock time (ns since the epoch) from {@code wallNanos}. */
    public SystemTime(Clock source, LongSupplier wallNanos) {
        this.source = source;
        this.start = source.nanos();
        this.wallNanos = wallNanos;
    }

    private static long hostWallNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public long nanos() {
        return source.nanos() - start;
    }

    /** Writes the vcpu_time_info at machine address {@code ti} (system time now = TSC now). */
    public void updateVcpuTime(Ram ram, long ti) {
        writeVcpuTime(ram, ti, nanos());
    }

    /** Writes the vcpu_time_info at {@code ti} for time {@code now} (= the vcpu's TSC now). */
    public static void writeVcpuTime(Ram ram, long ti, long now) {
        int version = ram.read32(ti + SharedInfo.TIME_VERSION);
        ram.write32(ti + SharedInfo.TIME_VERSION, (version | 1) + ((version & 1) == 0 ? 0 : 2));
        ram.write64(ti + SharedInfo.TIME_TSC_TIMESTAMP, now);
        ram.write64(ti + SharedInfo.TIME_SYSTEM_TIME, now);
        ram.write32(ti + SharedInfo.TIME_TSC_TO_SYSTEM_MUL, TSC_TO_SYSTEM_MUL);
        ram.write8(ti + SharedInfo.TIME_TSC_SHIFT, TSC_SHIFT);
        int v = ram.read32(ti + SharedInfo.TIME_VERSION);
        ram.write32(ti + SharedInfo.TIME_VERSION, v + 1);
    }

    /**
     * The periodic refresh: rewrites the record at {@code ti} if its system_time is
     * {@link #REFRESH_NS} or more behind now; returns whether it did. The age is read from the
     * record itself: a guest that scribbles on it only changes when its own record is refreshed
     * (schedule-in always rewrites it). No allocation: called before every return to guest code.
     */
    public boolean refreshVcpuTime(Ram ram, long ti) {
        long age = nanos() - ram.read64(ti + SharedInfo.TIME_SYSTEM_TIME);
        if (age < REFRESH_NS && age >= 0) {
            return false;
        }
        updateVcpuTime(ram, ti);
        return true;
    }

    /**
     * Writes the wall clock (the wall-clock time of system time 0 = wall now - system time now)
     * into shared_info at {@code si}, wc_version odd while it changes.
     */
    public void updateWallclock(Ram ram, long si) {
        writeWallclock(ram, si, wallNanos.getAsLong() - nanos());
    }

    /** Writes the wall clock: {@code boot} = the wall-clock time of system time 0 (ns since the epoch). */
    public static void writeWallclock(Ram ram, long si, long boot) {
        int version = ram.read32(si + SharedInfo.WC_VERSION);
        int odd = (version | 1) + ((version & 1) == 0 ? 0 : 2);
        ram.write32(si + SharedInfo.WC_VERSION, odd);
        ram.write32(si + SharedInfo.WC_SEC, (int) Math.floorDiv(boot, 1_000_000_000L));
        ram.write32(si + SharedInfo.WC_NSEC, (int) Math.floorMod(boot, 1_000_000_000L));
        ram.write32(si + SharedInfo.WC_VERSION, odd + 1);
    }
}
