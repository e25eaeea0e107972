package org.oxen.vmm.core.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.x86.api.Ram;
import org.oxen.x86.clock.InstructionClock;

/**
 * System time, the periodic vcpu_time_info refresh and the wall clock on the deterministic
 * clock of org.oxen.x86.clock (time moves only when the test moves it).
 */
class SystemTimeTest {

    private static final long SI = 0x1000;
    private static final long TI = SI + SharedInfo.vcpuInfo(0) + SharedInfo.VI_TIME;

    private final Ram ram = new Ram(1 << 16);
    private final InstructionClock clock = new InstructionClock(1);
    private final AtomicLong wall = new AtomicLong(1_700_000_000_123_456_789L);
    private final SystemTime time = new SystemTime(clock, wall::get);

    @Test
    void aRunningVcpusTimeRecordIsRefreshedOnceItIsASecondOld() {
        clock.skipTo(5_000);
        time.updateVcpuTime(ram, TI);
        assertEquals(2, ram.read32(TI + SharedInfo.TIME_VERSION), "even after an update");
        assertEquals(5_000, ram.read64(TI + SharedInfo.TIME_SYSTEM_TIME));

        clock.skipTo(5_000 + SystemTime.REFRESH_NS - 1);
        assertFalse(time.refreshVcpuTime(ram, TI), "younger than the refresh period");
        assertEquals(2, ram.read32(TI + SharedInfo.TIME_VERSION));
        assertEquals(5_000, ram.read64(TI + SharedInfo.TIME_SYSTEM_TIME));

        clock.skipTo(5_000 + SystemTime.REFRESH_NS);
        assertTrue(time.refreshVcpuTime(ram, TI));
        assertEquals(4, ram.read32(TI + SharedInfo.TIME_VERSION), "one more even version");
        assertEquals(5_000 + SystemTime.REFRESH_NS, ram.read64(TI + SharedInfo.TIME_SYSTEM_TIME));
        assertEquals(5_000 + SystemTime.REFRESH_NS, ram.read64(TI + SharedInfo.TIME_TSC_TIMESTAMP),
                "TSC and system time stay one");
        assertEquals(SystemTime.TSC_TO_SYSTEM_MUL, ram.read32(TI + SharedInfo.TIME_TSC_TO_SYSTEM_MUL));
    }

    @Test
    void aRecordTheGuestScribbledIntoTheFutureIsRewritten() {
        clock.skipTo(1_000);
        time.updateVcpuTime(ram, TI);
        ram.write64(TI + SharedInfo.TIME_SYSTEM_TIME, Long.MAX_VALUE);
        assertTrue(time.refreshVcpuTime(ram, TI));
        assertEquals(1_000, ram.read64(TI + SharedInfo.TIME_SYSTEM_TIME));
    }

    @Test
    void theWallClockIsTheWallTimeOfSystemTimeZeroAndFollowsHostSteps() {
        clock.skipTo(3_000_000_000L); // 3 s of system time
        time.updateWallclock(ram, SI);
        long boot = wall.get() - 3_000_000_000L;
        assertEquals(2, ram.read32(SI + SharedInfo.WC_VERSION));
        assertEquals(boot / 1_000_000_000L, ram.read32(SI + SharedInfo.WC_SEC) & 0xFFFFFFFFL);
        assertEquals(boot % 1_000_000_000L, ram.read32(SI + SharedInfo.WC_NSEC));

        wall.addAndGet(60_000_000_000L); // the host's clock is set a minute ahead
        time.updateWallclock(ram, SI);
        assertEquals(4, ram.read32(SI + SharedInfo.WC_VERSION));
        assertEquals(boot / 1_000_000_000L + 60, ram.read32(SI + SharedInfo.WC_SEC) & 0xFFFFFFFFL);
        assertEquals(boot % 1_000_000_000L, ram.read32(SI + SharedInfo.WC_NSEC));
    }

    @Test
    void anOddVersionLeftByTheGuestStillEndsEven() {
        ram.write32(SI + SharedInfo.WC_VERSION, 7);
        time.updateWallclock(ram, SI);
        assertEquals(10, ram.read32(SI + SharedInfo.WC_VERSION));
        ram.write32(TI + SharedInfo.TIME_VERSION, 9);
        time.updateVcpuTime(ram, TI);
        assertEquals(12, ram.read32(TI + SharedInfo.TIME_VERSION));
    }
}
