package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.guests.RingfuzzReport;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;

/**
 * A hostile netif frontend from inside a guest (issue 22): the guest kit's {@code ringfuzz} on a
 * vif writes its own tx requests onto the connected ring. What netback answers (frames shorter
 * than a header or longer than a frame, grant references never granted, past the table or for
 * another domain, 19 or 20 slots) must come back NETIF_RSP_ERROR for every slot with its id and
 * the ring goes on (a good frame every eighth case answered OKAY); what is an attack (data
 * crossing its page, chains of more than 20 slots, a fragment larger than its packet has left,
 * a chain past req_prod, a req_prod overrun) must make netback stop and leave Connected, after
 * which the kit's netfront reconnects with fresh rings. Meanwhile two kit neighbours stream UDP
 * echoes through the same bridge and lose none; the hypervisor counts no internal error.
 */
class KitRingFuzzNetTest {

    @Test
    void malformedTxRequestsAreAnsweredOrDisconnectedWhileNeighboursEchoOn() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            Domain server = bed.kitDomain("server", KitNetfrontTest.MAC_KIT, KitNetfrontTest.IP_KIT, "");
            KitNetfrontTest.awaitLine(server, "netecho: device/vif/0 is");
            Domain client = bed.kitDomain("client", KitNetfrontTest.MAC_KIT2, KitNetfrontTest.IP_KIT2,
                    "udp=10.0.0.2 count=0 window=8 report_ms=50 maxlost=0");
            KitNetfrontTest.awaitLine(client, "netecho: progress sent");

            int seed = Integer.getInteger("oxen.ringfuzz.seed", 22);
            int cases = Integer.getInteger("oxen.ringfuzz.cases", 160);
            Domain hostile = bed.vmm.create(DomainConfig.builder("ringfuzz")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "ringfuzz")).memoryMiB(8)
                    .cmdline("node=device/vif/0 seed=" + seed + " cases=" + cases).build());
            bed.createVif(hostile.id(), 0, 0x00163e0000ffL, "xenbr0", null);
            int progress = progressLines(client);
            assertTrue(hostile.awaitShutdown(300, TimeUnit.SECONDS), "ringfuzz unfinished:\n" + hostile.consoleOutput());
            String out = hostile.consoleOutput();
            System.out.println(out);
            assertEquals(ShutdownReason.POWEROFF, hostile.shutdownReason().orElseThrow(), out);
            assertTrue(out.contains("RESULT: PASS"), out);
            RingfuzzReport report = RingfuzzReport.of(out);
            for (String kind : new String[] { "short-frame", "long-frame", "bad-gref", "gref-for-another-domain",
                    "too-many-slots" }) {
                RingfuzzReport.Counts c = report.kind(kind).orElseThrow(() -> new AssertionError(kind + " not reported:\n" + out));
                assertTrue(c.okay() == 0 && c.error() > 0, kind + ": " + c + "\n" + out);
            }
            assertEquals(cases / 8 + 1, report.kind("good").orElseThrow().okay(), out);
            assertTrue(out.contains("ringfuzz: fatal-req-prod-overrun reconnected=1"), out);
            int attacks = cases / 32 + (cases % 32 > 13 ? 1 : 0) + 1;
            assertTrue(out.contains("ringfuzz: netfront " + attacks + " reconnects"), out);
            assertEquals(attacks, bed.netback.fatalErrors().size(), bed.netback.fatalErrors().toString());
            System.out.println("netback found hostile: " + bed.netback.fatalErrors());

            // the neighbours' stream is still flowing after the fuzz (a fast host can finish the
            // fuzz within a few 50 ms progress periods, so wait for three more rather than
            // expecting them already) and, below, lost nothing over the whole run
            NetTestbed.await(() -> progressLines(client) > progress + 2,
                    "three more client progress lines; at the fuzz's end it had printed:\n" + client.consoleOutput());
            KitNetfrontTest.poweroff(bed, client);
            String cout = KitNetfrontTest.passed(client);
            Matcher m = Pattern.compile("netecho: udp sent (\\d+), echoed (\\d+), lost 0, duplicates 0").matcher(cout);
            assertTrue(m.find(), cout);
            System.out.println("neighbours: " + m.group());
            KitNetfrontTest.poweroff(bed, server);
            KitNetfrontTest.passed(server);
            assertEquals(0, bed.vmm.internalErrors(), String.join("\n", bed.vmm.dmesg()));
        }
    }

    private static int progressLines(Domain d) {
        return (int) d.consoleOutput().lines().filter(l -> l.startsWith("netecho: progress")).count();
    }
}
