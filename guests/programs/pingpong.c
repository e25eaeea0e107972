/*
 * pingpong -- interdomain event channels between two domains, or between a
 * domain and a Java listener in Domain-0. PV only.
 *
 * Command line: role=a|b peer=<domid> count=N (default 1000) [port=P].
 *   role=a: EVTCHNOP_alloc_unbound(DOMID_SELF, peer) and prints
 *           "pingpong: port P"; answers every event on P with one event back
 *           until it has answered N; then every answer must have been one
 *           upcall for one event (none lost, none spurious).
 *   role=b: EVTCHNOP_bind_interdomain(peer, P) (port=P, required: the port
 *           role=a printed; a domain's port 1 is its store_evtchn, port 2 its console's), retrying with SCHEDOP_yield for up to
 *           10 s while the peer has not allocated it (-EINVAL); drops the
 *           event Xen marks pending at bind time; then N round trips: send,
 *           SCHEDOP_block until the answer arrived.
 * Both sides wait in SCHEDOP_block, so the exchange also measures the wake-up
 * path; the last line before RESULT reports events per second of guest time.
 */
#include <kit.h>
#include <oxen/pv.h>

#define SECOND 1000000000ull

static evtchn_port_t port;
static volatile uint32_t received;

static void on_event(evtchn_port_t p, void *data)
{
    (void)p; (void)data;
    received++;
}

static void role_a(domid_t peer, uint32_t count)
{
    {
        int rc = evtchn_alloc_unbound(peer, &port);
        CHECK(rc == 0, "alloc_unbound for d%u returned %d", peer, rc);
    }
    printf("pingpong: port %u\n", port);
    CHECK_EQ(evtchn_bind_handler(port, 0, on_event, NULL), 0, "bind handler");
    uint32_t answered = 0;
    uint64_t t0 = 0;
    while (answered < count) {
        while (received == answered)
            cpu_idle();
        if (answered == 0)
            t0 = guest_time_ns();
        CHECK(received == answered + 1, "%u events arrived for %u answers (one per round trip expected)",
              received, answered);
        answered++;
        CHECK_EQ(evtchn_send(port), 0, "send answer");
    }
    uint64_t dt = guest_time_ns() - t0;
    printf("pingpong: answered %u events, %u round trips/s\n", answered,
           dt ? (uint32_t)((uint64_t)answered * SECOND / dt) : 0);
}

static void role_b(domid_t peer, evtchn_port_t remote, uint32_t count)
{
    long rc;
    uint64_t end = guest_time_ns() + 10 * SECOND;
    while ((rc = evtchn_bind_interdomain(peer, remote, &port)) == -XEN_EINVAL) {
        CHECK(guest_time_ns() < end, "d%u never allocated port %u for us", peer, remote);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK(rc == 0, "bind_interdomain(d%u, %u) returned %ld", peer, remote, rc);
    evtchn_clear(port);             /* the event Xen marks pending at bind time */
    CHECK_EQ(evtchn_bind_handler(port, 0, on_event, NULL), 0, "bind handler");
    printf("pingpong: port %u bound to d%u port %u\n", port, peer, remote);
    uint64_t t0 = guest_time_ns();
    for (uint32_t i = 1; i <= count; i++) {
        CHECK_EQ(evtchn_send(port), 0, "send ping");
        uint64_t limit = guest_time_ns() + 10 * SECOND;
        while (received < i) {
            CHECK(guest_time_ns() < limit, "round trip %u: no answer (received %u)", i, received);
            cpu_idle();
        }
        CHECK(received == i, "round trip %u: %u answers", i, received);
    }
    uint64_t dt = guest_time_ns() - t0;
    printf("pingpong: %u round trips, %u round trips/s\n", count,
           dt ? (uint32_t)((uint64_t)count * SECOND / dt) : 0);
}

void guest_main(void)
{
    char role[4];
    irq_disable();
    CHECK(cmdline_get("role", role, sizeof role), "role=a|b missing");
    uint32_t peer = cmdline_u32("peer", 0xFFFFFFFFu);
    CHECK(peer <= 0x7FEF, "peer=<domid> missing or invalid");
    uint32_t count = cmdline_u32("count", 1000);
    if (role[0] == 'a')
        role_a((domid_t)peer, count);
    else if (role[0] == 'b') {
        uint32_t p = cmdline_u32("port", 0);
        CHECK(p != 0, "role=b needs port=P (the port role=a printed)");
        role_b((domid_t)peer, p, count);
    } else
        fail("role=%s: expected a or b", role);
    pass();
}
