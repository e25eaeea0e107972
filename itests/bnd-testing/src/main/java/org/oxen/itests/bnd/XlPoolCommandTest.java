package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.guests.GuestImages;
import org.oxen.guests.GuestImages.Flavor;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Hypervisor;

/** xl cpupool-* and sched-* typed at the Gogo prompt (org.oxen.toolstack.sched), two pCPUs. */
class XlPoolCommandTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    private GogoSession gogo;

    @BeforeEach
    void open() {
        gogo = new GogoSession(processor);
    }

    @AfterEach
    void close() {
        gogo.close();
    }

    @Test
    void poolsAndCreditParametersFromGogo() throws Exception {
        Domain d = hv.create(DomainConfig.builder("xlpool").kernel(GuestImages.load(Flavor.PV, "cpubench"))
                .memoryMiB(8).cmdline("loop=100000 mix=2 expect=0x58c9852b").startPaused(true).build());
        try {
            assertEquals("Name               CPUs   Sched     Active   Domain count\n"
                    + "Pool-0                2   credit    y        1\n", gogo.run("xl cpupool-list"));
            assertEquals("", gogo.run("xl sched-credit -d xlpool -w 512 -c 50"), gogo.err());
            assertEquals("Cpupool Pool-0: tslice=30ms ratelimit=1000us\nName                                ID Weight  Cap\n"
                    + String.format("%-33s %4d %6d %4d%n", "xlpool", d.id(), 512, 50), gogo.run("xl sched-credit"));
            gogo.run("xl sched-credit -d xlpool -w 0");
            assertEquals(1, gogo.get("xl.status"));
            assertTrue(gogo.err().contains("weight"), gogo.err());
            gogo.run("xl cpupool-create name=\"spare\" sched=\"rr\"");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            assertTrue(gogo.run("xl cpupool-list spare").contains("spare                 0   rr"));
            gogo.run("xl cpupool-migrate xlpool spare");
            assertEquals(1, gogo.get("xl.status"));
            assertTrue(gogo.err().contains("has no pCPU"), gogo.err());
            gogo.run("xl sched-sedf -d xlpool");
            assertTrue(gogo.err().contains("runs credit, not sedf"), gogo.err());
            // give spare pCPU 1, move the domain there and back
            gogo.run("xl cpupool-cpu-remove Pool-0 1");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            gogo.run("xl cpupool-cpu-add spare 1");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            gogo.run("xl cpupool-migrate xlpool spare");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            assertTrue(gogo.run("xl cpupool-list spare").contains("spare                 1   rr        y        1"));
            gogo.run("xl cpupool-cpu-remove Pool-0 0");
            assertTrue(gogo.err().contains("last of cpupool Pool-0"), gogo.err());
            gogo.run("xl cpupool-migrate xlpool Pool-0");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            gogo.run("xl cpupool-cpu-remove spare 1");
            gogo.run("xl cpupool-cpu-add Pool-0 1");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            gogo.run("xl cpupool-destroy spare");
            assertEquals(0, gogo.get("xl.status"), gogo.err());
            assertTrue(gogo.run("xl cpupool-list").contains("Pool-0                2   credit    y        1"));
            hv.unpause(d.id());
            assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), GuestOutput.of(d));
            assertTrue(GuestOutput.of(d).contains("RESULT: PASS"), GuestOutput.of(d));
        } finally {
            hv.destroy(d.id());
        }
    }
}
