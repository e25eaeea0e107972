package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.abi.Netif.NETTXF_MORE_DATA;
import static org.oxen.vmm.abi.Netif.RSP_ERROR;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.abi.Netif;

/**
 * Hostile frontends: a domain's netfront writes raw tx requests (oversized frames, grants made
 * to another domain and refs outside its table, more slots than a packet may have, data crossing
 * its page, chains longer than netback tolerates or than were published, a req_prod beyond the
 * ring). What netback may answer is answered NETIF_RSP_ERROR and the vif goes on; what is an
 * attack disconnects the vif (backend Closing, the reason in its {@code error} node), after which
 * the frontend reconnects with fresh rings. Meanwhile two other domains exchange UDP echoes
 * through the same bridge without losing one.
 */
class NetbackHostileTest {

    @Test
    void hostileRequestsAreAnsweredOrDisconnectedWhileOthersContinue() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            FrontendDomain bad = bed.domain("hostile"), b = bed.domain("goodb"), c = bed.domain("goodc");
            int ipB = TinyIp.ip(10, 0, 0, 2), ipC = TinyIp.ip(10, 0, 0, 3);
            // without feature-sg: its MTU is 1500, so a 2,000-byte frame is oversized (with sg it is a jumbo frame)
            NetTestbed.Host hx = bed.host(bad, 0, 0x00163e0000aaL, TinyIp.ip(10, 0, 0, 9), 4096, false, null, "xenbr0",
                    false, false);
            NetTestbed.Host hb = bed.host(b, 0, 0x00163e000002L, ipB, 4096, false, null);
            NetTestbed.Host hc = bed.host(c, 0, 0x00163e000003L, ipC, 4096, false, null);
            String beX = NetTestbed.be(bad.id(), 0);

            // the good pair's steady echo load, every datagram checked
            AtomicLong echoes = new AtomicLong();
            AtomicReference<String> loadFailure = new AtomicReference<>();
            AtomicBoolean stop = new AtomicBoolean();
            long macC = hb.ip().resolve(ipC, 10_000);
            java.util.concurrent.Semaphore answer = new java.util.concurrent.Semaphore(0);
            hb.ip().onUdp(d -> answer.release());
            Thread load = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        hb.ip().sendUdp(macC, ipC, 6000, TinyIp.ECHO_PORT, ByteBuffer.allocate(64).putLong(echoes.get()).array());
                        if (!answer.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)) {
                            loadFailure.set("no echo after " + echoes.get());
                            return;
                        }
                        echoes.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    loadFailure.set(e.toString());
                }
            }, "good load");
            load.start();

            JavaNetfront nf = hx.netfront();

            // answered, not fatal: an oversized frame (over the vif's MTU), a grant to another domain, a ref outside the table, 19 slots
            long before = nf.rawResponses.get();
            nf.onFrontendThread(() -> {
                nf.putTx(nf.txRef[0], 0, 0, 100, 2000);
                nf.pushTx();
            });
            awaitRaw(nf, before + 1);
            assertEquals(RSP_ERROR, nf.lastRawStatus, "oversized frame");
            int toOther = bad.grant(b.id(), bad.frame(), true);
            before = nf.rawResponses.get();
            nf.onFrontendThread(() -> {
                nf.putTx(toOther, 0, 0, 101, 60);
                nf.pushTx();
            });
            awaitRaw(nf, before + 1);
            assertEquals(RSP_ERROR, nf.lastRawStatus, "a grant made to another domain");
            before = nf.rawResponses.get();
            nf.onFrontendThread(() -> {
                nf.putTx(1_000_000, 0, 0, 102, 60);
                nf.pushTx();
            });
            awaitRaw(nf, before + 1);
            assertEquals(RSP_ERROR, nf.lastRawStatus, "a ref outside the table");
            before = nf.rawResponses.get();
            int slots = Netif.NR_SLOTS_MIN + 1;
            nf.onFrontendThread(() -> {
                for (int s = 0; s < slots; s++) {
                    nf.putTx(nf.txRef[s], 0, s < slots - 1 ? NETTXF_MORE_DATA : 0, 110 + s, s == 0 ? 60 * slots : 60);
                }
                nf.pushTx();
            });
            awaitRaw(nf, before + slots);
            assertEquals(RSP_ERROR, nf.lastRawStatus, "19 slots: dropped with an error");
            assertEquals("4", bed.state(beX), "the vif still connected");
            assertEquals(List.of(), bed.netback.fatalErrors());
            assertEquals(1, nf.connects.get());

            // fatal: each disconnects the vif; the frontend reconnects and the next attack runs on fresh rings
            attack(bed, nf, beX, 1, "Cross page boundary, offset: 4000, size: 200", () -> {
                nf.putTx(nf.txRef[0], 4000, 0, 120, 200);
                nf.pushTx();
            });
            attack(bed, nf, beX, 2, "Cross page boundary, offset: 4090, size: 100", () -> {
                nf.putTx(nf.txRef[0], 0, NETTXF_MORE_DATA, 121, 160);
                nf.putTx(nf.txRef[1], 4090, 0, 122, 100);
                nf.pushTx();
            });
            attack(bed, nf, beX, 3, "Malicious frontend using 21 slots", () -> {
                for (int s = 0; s < 22; s++) nf.putTx(nf.txRef[s], 0, NETTXF_MORE_DATA, 130 + s, s == 0 ? 60 * 22 : 60);
                nf.pushTx();
            });
            attack(bed, nf, beX, 4, "Asked for 3 slots but exceeds this limit", () -> {
                nf.putTx(nf.txRef[0], 0, NETTXF_MORE_DATA, 160, 120);
                nf.putTx(nf.txRef[1], 0, NETTXF_MORE_DATA, 161, 60);
                nf.pushTx();
            });
            attack(bed, nf, beX, 5, "Packet is bigger than frame", () -> {
                nf.putTx(nf.txRef[0], 0, NETTXF_MORE_DATA, 170, 60);
                nf.putTx(nf.txRef[1], 0, 0, 171, 100);
                nf.pushTx();
            });
            attack(bed, nf, beX, 6, "overflows the 256-slot ring", () -> nf.scribbleTxReqProd(1000));

            // the hostile domain, reconnected, is served like anyone
            long rtt = hx.ip().ping(ipB, 7, 10_000);
            assertTrue(rtt > 0);
            stop.set(true);
            load.join(20_000);
            assertEquals(null, loadFailure.get());
            assertTrue(echoes.get() > 0, "the good pair exchanged echoes throughout: " + echoes.get());
            assertEquals(0, hb.netfront().txErrors.get() + hc.netfront().txErrors.get());
            assertEquals(1, hb.netfront().connects.get(), "the good vifs never disconnected");
            assertEquals(1, hc.netfront().connects.get());
            System.out.printf("netback hostile: 6 disconnections, 4 error answers; the good pair echoed %d datagrams meanwhile%n",
                    echoes.get());
        }
    }

    static void awaitRaw(JavaNetfront nf, long n) throws InterruptedException {
        NetTestbed.await(() -> nf.rawResponses.get() >= n, "raw responses " + n + " (have " + nf.rawResponses.get() + ")");
    }

    static void attack(NetTestbed bed, JavaNetfront nf, String be, int nth, String reason, Runnable writes)
            throws Exception {
        long connects = nf.connects.get();
        nf.onFrontendThread(writes);
        NetTestbed.await(() -> bed.netback.fatalErrors().size() == nth, "disconnection " + nth + " (" + reason + ")");
        String got = bed.netback.fatalErrors().get(nth - 1);
        assertTrue(got.contains(reason), got);
        assertTrue(bed.toolstack.read(be + "/error").orElse("").contains(reason.substring(0, 10)), "error node");
        NetTestbed.await(() -> nf.connects.get() == connects + 1 && bed.state(be).equals("4"),
                "reconnected after " + reason + ": backend " + bed.state(be) + ", frontend " + nf.state() + ", connects "
                        + nf.connects.get() + ", " + nf.lastError);
    }
}
