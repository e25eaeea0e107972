package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.api.PvConsoleRing;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.time.SystemTime;
import org.oxen.x86.api.Clock;

/**
 * Deterministic mode ({@link GuestClock#INSTRUCTIONS}): a domain's time is its instruction count,
 * so the same guest prints the same console output, byte for byte, in every run: on another
 * hypervisor, beside a busy neighbour, on 1 or 2 pCPUs, and on a hypervisor whose host clock
 * runs 7 times too fast, jumps, and shows another date (if any time reached the guest from the
 * host clock, that run would differ). The kit's {@code timer} (one-shot, periodic, system time,
 * TSC, wall clock), {@code sleeper} (blocks on its timer; the idle time is skipped) and
 * {@code cpubench} (times its work with system time) are compared whole.
 */
class DeterministicTimeTest {

    static final String[][] PROGRAMS = {
        {"timer", "expect_mem_mib=16"},
        {"sleeper", "count=40 period_us=3000"},
        {"cpubench", "loop=100000 mix=2 expect=0x58c9852b"},
    };

    /** A host clock 7 times too fast that also jumps ahead by up to 50 ms on some reads. */
    static final class SkewedClock implements Clock {
        private final long origin = System.nanoTime();
        private final AtomicLong jumps = new AtomicLong();
        private final AtomicLong reads = new AtomicLong();

        @Override
        public long nanos() {
            if (reads.incrementAndGet() % 97 == 0) jumps.addAndGet(50_000_000L);
            return 7 * (System.nanoTime() - origin) + jumps.get();
        }
    }

    static String run(Vmm vmm, String name, String program, String cmdline, GuestClock clock) throws Exception {
        Domain d = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, program))
                .memoryMiB(16).cmdline(cmdline).clock(clock).build());
        boolean done = d.awaitShutdown(120, TimeUnit.SECONDS);
        String out = d.consoleOutput();
        assertTrue(done, name + ": no shutdown within 120 s:\n" + out);
        assertTrue(out.contains("RESULT: PASS"), name + ":\n" + out);
        if (Boolean.getBoolean("oxen.verbose")) System.out.println("---- " + name + " ----\n" + out);
        vmm.destroy(d.id());
        return out;
    }

    @Test
    void sameGuestPrintsTheSameLinesInEveryRun() throws Exception {
        String[] first = new String[PROGRAMS.length];
        Vmm a = new Vmm(128L << 20, 1);
        try {
            for (int i = 0; i < PROGRAMS.length; i++) {
                first[i] = run(a, "a-" + PROGRAMS[i][0], PROGRAMS[i][0], PROGRAMS[i][1], GuestClock.INSTRUCTIONS);
            }
            // the second timer on the same hypervisor gets other machine frames
            assertEquals(first[0], run(a, "b-timer", "timer", PROGRAMS[0][1], GuestClock.INSTRUCTIONS),
                    "timer: a second run on the same hypervisor differs");
            assertEquals(0, a.internalErrors());
        } finally {
            a.shutdown();
        }
        // 2 pCPUs under Credit, beside a domain that spins, and with the host clock skewed, jumping
        // and 20 years ahead: the same lines
        SystemTime skewed = new SystemTime(new SkewedClock(), () -> System.currentTimeMillis() * 1_000_000L
                + 20L * 365 * 86_400 * 1_000_000_000L);
        Vmm b = new Vmm(128L << 20, 2, skewed);
        try {
            assertTrue(b.addScheduler(new CreditFactory(), true, 0));
            Domain busy = b.create(DomainConfig.builder("busy").kernel(GuestImages.load(GuestImages.Flavor.PV,
                    "cpubench")).memoryMiB(8).cmdline("loop=100000 mix=1 repeat=0").build());
            for (int i = 0; i < PROGRAMS.length; i++) {
                String out = run(b, "c-" + PROGRAMS[i][0], PROGRAMS[i][0], PROGRAMS[i][1], GuestClock.INSTRUCTIONS);
                assertEquals(first[i], out, PROGRAMS[i][0] + ": a run beside a busy domain on a skewed host clock differs");
            }
            b.destroy(busy.id());
            assertEquals(0, b.internalErrors());
        } finally {
            b.shutdown();
        }
    }

    /**
     * The same program on system time prints other lines each run (so the comparison above can
     * fail), and a deterministic domain's wall clock is the fixed epoch, not the host's date.
     */
    @Test
    void realTimeRunsDifferAndDeterministicWallclockIsFixed() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            String r1 = run(vmm, "r1", "timer", "expect_mem_mib=16", GuestClock.REAL);
            String r2 = run(vmm, "r2", "timer", "expect_mem_mib=16", GuestClock.REAL);
            assertNotEquals(r1, r2);
            assertTrue(r1.lines().anyMatch(l -> l.matches(".*wallclock 1[6-9]\\d{8}\\..*")), r1);
            vmm.setDefaultClock(GuestClock.INSTRUCTIONS); // what oxen.clock=instructions does
            String d1 = run(vmm, "d1", "timer", "expect_mem_mib=16", GuestClock.DEFAULT);
            assertTrue(d1.contains("version 2, wallclock 946684800.000000000"), d1);
            assertTrue(d1.contains("timer: periodic 10 ms: 20 ticks in 200 ms, stopped ok"), d1);
            // on time to the instruction: the few microseconds are the guest's own instructions between
            // the deadline and its reading of the time (their count moves with the kit's code)
            assertTrue(d1.lines().anyMatch(l -> l.matches("timer: one-shot 5: 25 ms ahead, fired [0-5] us after the deadline, "
                    + "1 wake-up\\(s\\)")), d1);
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * An event a backend sends before the guest has masked its ports (the console backend's
     * connect notification, which races with the guest's boot in a real runtime) changes nothing
     * the guest prints: the kit drops the stale upcall state its early mask-all leaves, so its
     * first block does not return at once without a timer tick (XlDeterministicTest's "1 vs 2
     * wake-ups" flake in Felix).
     */
    @Test
    void anEventSentBeforeTheGuestBootsDoesNotChangeWhatItPrints() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            String quiet = run(vmm, "quiet", "timer", "expect_mem_mib=16", GuestClock.INSTRUCTIONS);
            Domain d = vmm.create(DomainConfig.builder("early").kernel(GuestImages.load(GuestImages.Flavor.PV, "timer"))
                    .memoryMiB(16).cmdline("expect_mem_mib=16").clock(GuestClock.INSTRUCTIONS).startPaused(true).build());
            PvConsoleRing ring = d.consoleRing().orElseThrow();
            EventPort port = vmm.eventChannels().bindInterdomain(d.id(), ring.port(), p -> { });
            port.send(); // before the guest's first instruction: the port is not masked yet
            vmm.unpause(d.id());
            assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput());
            assertEquals(quiet, d.consoleOutput());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    /** Idle time is skipped: a domain sleeping 40 x 10 minutes of its time ends at once and on time. */
    @Test
    void blockedDomainSkipsToItsTimer() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            Domain d = vmm.create(DomainConfig.builder("s").kernel(GuestImages.load(GuestImages.Flavor.PV, "sleeper"))
                    .memoryMiB(16).cmdline("count=40 period_us=600000000").clock(GuestClock.INSTRUCTIONS).build());
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
            assertTrue(d.consoleOutput().contains("sleeper: 40 wake-ups, mean 1 us late, worst 1 us"), d.consoleOutput());
            long skipped = ((DomainImpl) d).deterministicTime().skippedNanos();
            // 40 x 10 minutes, less the few instructions between setting each timer and blocking
            assertTrue(skipped > 40 * 600_000_000_000L - 1_000_000_000L && skipped <= 40 * 600_000_000_000L,
                    "skipped " + skipped);
        } finally {
            vmm.shutdown();
        }
    }
}
