package org.oxen.toolstack.sched.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.sched.sedf.SedfFactory;
import org.oxen.toolstack.xl.GetOpt;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.core.Vmm;

/** The xl cpupool-* and sched-* commands on a Vmm with Credit and SEDF (no OSGi). */
class CommandsTest {

    static Vmm vmm;

    @BeforeAll
    static void start() throws Exception {
        vmm = new Vmm(64L << 20, 2, new CreditFactory());
        vmm.addScheduler(new SedfFactory(), false, 0);
        // a paused domain is enough for parameters
        vmm.create(DomainConfig.builder("guest1").kernel(org.oxen.guests.GuestImages.load(
                org.oxen.guests.GuestImages.Flavor.PV, "hello")).memoryMiB(4).startPaused(true).build());
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    record Out(int status, String out, String err) {
    }

    static Out xl(XlSubcommand c, String... args) throws Exception {
        String[] longs = Arrays.copyOf(c.longOptions(), c.longOptions().length + 1);
        longs[longs.length - 1] = "help=h";
        GetOpt.Parsed p = new GetOpt("h" + c.shortOptions(), longs).parse(new ArrayList<>(List.of(args)));
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int st = c.run(new XlInvocation(c.name(), p, false, false, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8)));
        return new Out(st, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static <T extends XlSubcommand> T with(T c) throws Exception {
        for (String field : new String[] {"hv", "domains"}) {
            try {
                var f = c.getClass().getDeclaredField(field);
                f.setAccessible(true);
                f.set(c, vmm);
            } catch (NoSuchFieldException absent) {
                // only the subcommands that name domains have one
            }
        }
        return c;
    }

    static SchedCommand sched(String name) {
        return new SchedCommand(name, vmm, vmm);
    }

    @Test
    void cpupoolsAndSchedulerParameters() throws Exception {
        Out l = xl(with(new CpupoolCommands.ListCmd()));
        assertEquals("Name               CPUs   Sched     Active   Domain count\n"
                + "Pool-0                2   credit    y        1\n", l.out());
        assertEquals(0, xl(with(new CpupoolCommands.CpuRemoveCmd()), "Pool-0", "1").status());
        assertEquals(0, xl(with(new CpupoolCommands.CreateCmd()), "name=\"rt\"", "sched=\"sedf\"", "cpus=[\"1\"]").status());
        assertTrue(xl(with(new CpupoolCommands.ListCmd()), "-c").out().contains("rt                 1\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> xl(with(new CpupoolCommands.CreateCmd()), "name=x", "sched=bvt"));
        assertTrue(e.getMessage().contains("available: credit, sedf"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown scheduler 'bvt'"), e.getMessage());

        Out c = xl(sched("credit"));
        assertEquals("Cpupool Pool-0: tslice=30ms ratelimit=1000us\nName                                ID Weight  Cap\n"
                + "guest1                               1    256    0\n", c.out());
        assertEquals(0, xl(sched("credit"), "-s", "-t", "10ms", "-r", "0").status());
        assertEquals("Cpupool Pool-0: tslice=10ms ratelimit=0us\n", xl(sched("credit"), "-s").out());
        e = assertThrows(IllegalArgumentException.class,
                () -> xl(sched("credit"), "-s", "-t", "5000"));
        assertTrue(e.getMessage().contains("tslice"), e.getMessage());
        assertEquals(0, xl(sched("credit"), "-d", "guest1", "-w", "512", "-c", "50").status());
        assertTrue(xl(sched("credit"), "-d", "1").out().contains("   512   50"));
        e = assertThrows(IllegalArgumentException.class,
                () -> xl(sched("credit"), "-d", "guest1", "-w", "70000"));
        assertTrue(e.getMessage().contains("weight"), e.getMessage());

        assertEquals(0, xl(with(new CpupoolCommands.MigrateCmd()), "guest1", "rt").status());
        Out wrong = xl(sched("credit"), "-d", "guest1", "-w", "5");
        assertEquals(1, wrong.status());
        assertTrue(wrong.err().contains("runs sedf, not credit"), wrong.err());
        Out s = xl(sched("sedf"), "--cpupool=rt");
        assertTrue(s.out().startsWith("Cpupool rt:\nName"), s.out());
        assertTrue(s.out().contains("Period"), s.out());
        assertEquals("512", vmm.schedulerParams(1).get("weight"), "SEDF has a weight too: it carried over");
        Out bvt = xl(sched("bvt"));
        assertEquals(1, bvt.status());
        assertTrue(bvt.err().contains("not available"), bvt.err());

        assertThrows(IllegalArgumentException.class, () -> xl(with(new CpupoolCommands.DestroyCmd()), "Pool-0"));
    }
}
