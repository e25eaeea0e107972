package org.oxen.vmm.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * The trace buffers and the pages-mapped counters through real kit guests: two pingpong domains
 * exchanging events and a paging domain updating its page tables, traced with every class on;
 * then Domain-0 mapping a grants guest's grant and one of its frames. Each kind of record names
 * the domains that caused it; with the mask at 0 nothing more is recorded.
 */
class TraceThroughGuestsTest {

    private record Rec(int buffer, long ns, int event, int[] extra) {
        boolean is(int ev, int... prefix) {
            if (event != ev || extra.length < prefix.length) return false;
            for (int i = 0; i < prefix.length; i++) {
                if (extra[i] != prefix[i]) return false;
            }
            return true;
        }
    }

    private static List<Rec> drain(Vmm vmm) {
        List<Rec> out = new ArrayList<>();
        vmm.trace().drain((b, ns, ev, extra, n) -> out.add(new Rec(b, ns, ev, Arrays.copyOf(extra, n))));
        return out;
    }

    private static long count(List<Rec> l, int ev, int... prefix) {
        return l.stream().filter(r -> r.is(ev, prefix)).count();
    }

    private static Domain boot(Vmm vmm, String program, String cmdline) throws Exception {
        return vmm.create(DomainConfig.builder(program + "-" + cmdline.hashCode())
                .kernel(GuestImages.load(GuestImages.Flavor.PV, program)).memoryMiB(8).cmdline(cmdline).build());
    }

    private static void passes(Domain d) throws InterruptedException {
        assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), d.consoleOutput());
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
    }

    private static Matcher await(Domain d, String regex) throws InterruptedException {
        Matcher m = Pattern.compile(regex).matcher("");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!m.reset(d.consoleOutput()).find()) {
            assertTrue(System.nanoTime() < end, d.consoleOutput());
            Thread.sleep(5);
        }
        return m;
    }

    /**
     * PV port I/O in the trace: the kit's privop reads and writes port 0x80 under IOPL 1 and
     * under the I/O bitmap (emulated: each a TRC_PV_OXEN_IOPORT record with the domain, port,
     * size and data) and is refused ports the bitmap denies (a #GP: no record).
     */
    @Test
    void pvPortIoIsTraced() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            vmm.trace().enable(Trace.TRC_PV);
            Domain d = boot(vmm, "privop", "");
            passes(d);
            List<Rec> l = drain(vmm);
            int id = d.id();
            long reads = count(l, Trace.TRC_PV_OXEN_IOPORT_READ, id, 0x80, 1, 0xff);
            long writes = count(l, Trace.TRC_PV_OXEN_IOPORT_WRITE, id, 0x80, 1, 0x12);
            assertTrue(reads >= 2, "inb $0x80 under IOPL 1 and under the bitmap: " + reads);
            assertTrue(writes >= 2, "outb 0x12 to $0x80 under IOPL 1 and under the bitmap: " + writes);
            assertEquals(0, count(l, Trace.TRC_PV_OXEN_IOPORT_READ, id, 0x81), "inb $0x81 was refused (#GP), not emulated");
            assertEquals(0, count(l, Trace.TRC_PV_OXEN_IOPORT_WRITE, id, 0x200), "outb to 0x200 was refused");
            for (Rec r : l) {
                if (r.event() == Trace.TRC_PV_OXEN_IOPORT_READ || r.event() == Trace.TRC_PV_OXEN_IOPORT_WRITE) {
                    assertEquals(id, r.extra()[0]);
                    assertEquals(0, r.buffer(), "emulated on the pCPU running the domain");
                }
            }
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void guestsLeaveTheirRecordsInTheBuffers() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            assertEquals(0, vmm.trace().mask(), "off until enabled");
            assertEquals(3, vmm.trace().buffers(), "two pCPUs and Domain-0's threads");
            vmm.trace().enable(Trace.TRC_ALL);
            Domain a = boot(vmm, "pingpong", "role=a peer=2 count=200");
            Matcher port = await(a, "pingpong: port (\\d+)");
            Domain b = boot(vmm, "pingpong", "role=b peer=1 port=" + port.group(1) + " count=200");
            Domain p = boot(vmm, "paging", "");
            passes(a);
            passes(b);
            passes(p);
            int da = a.id(), db = b.id(), dp = p.id();
            vmm.destroy(dp);
            List<Rec> l = drain(vmm);
            assertEquals(0, vmm.trace().lost(), "64 Ki records per buffer hold this run");

            assertEquals(1, count(l, Trace.TRC_DOM0_DOM_ADD, da));
            assertEquals(1, count(l, Trace.TRC_DOM0_DOM_ADD, dp));
            assertEquals(1, count(l, Trace.TRC_DOM0_DOM_REM, dp));
            assertEquals(0, count(l, Trace.TRC_DOM0_DOM_REM, da), "a is shut down, not destroyed");
            for (Rec r : l) {
                if (r.event() == Trace.TRC_DOM0_DOM_ADD) assertEquals(2, r.buffer(), "created on a Domain-0 thread");
            }
            // scheduling: each domain switched in, blocked (pingpong waits for events) and woken
            assertTrue(count(l, Trace.TRC_SCHED_SWITCH) > 0);
            assertTrue(l.stream().anyMatch(r -> r.event() == Trace.TRC_SCHED_SWITCH && r.extra()[2] == da && r.buffer() < 2),
                    "a switched in on a pCPU's buffer");
            assertTrue(count(l, Trace.TRC_SCHED_BLOCK, db, 0) > 0);
            assertTrue(count(l, Trace.TRC_SCHED_WAKE, db, 0) > 0);
            // events: every send of a reaches b (the counters say how many), each delivery a pending port in b
            long sendsA = count(l, Trace.TRC_OXEN_EVTCHN_SEND, da, 0);
            assertEquals(a.vcpus().get(0).eventsSent(), sendsA, "one record per EVTCHNOP_send of a");
            assertTrue(sendsA >= 200, "at least the 200 round trips: " + sendsA);
            assertEquals(b.eventsDelivered(), count(l, Trace.TRC_OXEN_EVTCHN_DELIVER, db), "one record per port b saw pending");
            assertTrue(count(l, Trace.TRC_OXEN_EVTCHN_UPCALL, db, 0) > 0);
            // hypercalls: entries as the vcpu's counters count them, each with its return
            long evtchnCalls = count(l, Trace.TRC_PV_HYPERCALL_V2, Hypercall.EVENT_CHANNEL_OP | 0x55 << 20)
                    + count(l, Trace.TRC_PV_HYPERCALL_SUBCALL, Hypercall.EVENT_CHANNEL_OP | 0x55 << 20);
            long evtchnReturns = count(l, Trace.TRC_PV_OXEN_HYPERCALL_RETURN, Hypercall.EVENT_CHANNEL_OP);
            long counted = a.vcpus().get(0).hypercalls(Hypercall.EVENT_CHANNEL_OP) + b.vcpus().get(0).hypercalls(Hypercall.EVENT_CHANNEL_OP);
            assertTrue(evtchnCalls >= counted && evtchnCalls == evtchnReturns,
                    "event_channel_op: " + evtchnCalls + " entries, " + evtchnReturns + " returns, a and b counted " + counted);
            // page tables: paging's mmu_updates, in its domain
            assertTrue(count(l, Trace.TRC_MEM_OXEN_PT_UPDATE, dp) > 0, "paging's page-table updates");
            // time moves forward within each buffer
            for (int buf = 0; buf < 3; buf++) {
                long last = -1;
                for (Rec r : l) {
                    if (r.buffer() != buf) continue;
                    assertTrue(r.ns() >= last, "buffer " + buf + " in time order");
                    last = r.ns();
                }
            }

            // pages mapped: Domain-0 maps a grant and a frame of a grants guest
            DomainImpl g = (DomainImpl) boot(vmm, "grants", "mode=dom0");
            Matcher ready = await(g, "grants: ready port=(\\d+) rw=(\\d+) ro=(\\d+)");
            int rw = Integer.parseInt(ready.group(2));
            drain(vmm);
            assertEquals(0, g.grantedPagesMapped());
            assertEquals(0, g.foreignPagesMapped());
            GrantMapping m = vmm.grantTables().map(g.id(), rw, false);
            ForeignMapping f = vmm.foreignMemory().map(g.id(), g.memory().p2m(0));
            assertEquals(1, g.grantedPagesMapped(), "one granted page mapped by Domain-0");
            assertEquals(1, g.foreignPagesMapped(), "one frame mapped by Domain-0");
            assertEquals(0, g.grantMapsHeld(), "the guest maps nothing of others");
            m.unmap();
            f.close();
            assertEquals(0, g.grantedPagesMapped());
            assertEquals(0, g.foreignPagesMapped());
            l = drain(vmm);
            assertEquals(1, count(l, Trace.TRC_MEM_PAGE_GRANT_MAP, g.id(), 0, rw));
            assertEquals(1, count(l, Trace.TRC_MEM_PAGE_GRANT_UNMAP, g.id(), 0, rw));

            // off: nothing is recorded any more
            vmm.trace().enable(0);
            vmm.destroy(g.id());
            Domain h = boot(vmm, "hello", "");
            await(h, "RESULT: PASS");
            assertEquals(List.of(), drain(vmm).stream().filter(r -> r.event() != Trace.TRC_LOST_RECORDS).toList());
        } finally {
            vmm.shutdown();
        }
    }
}
