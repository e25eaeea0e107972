/*
 * netecho -- a network host on the kit's netfront and IP layer
 * (<oxen/netfront.h>, <oxen/netip.h>): it answers ARP, ping and UDP echo (port
 * 7) and can ping or stream UDP echoes itself. A PV kernel, or a native one
 * run as an HVM domain (type = "hvm": netfront on Xen's HVM platform
 * interface, lib/native/pvhvm.c).
 *
 * Command line: ip=A.B.C.D (needed) [node=device/vif/0] and one of
 *   (nothing)     serve until xl shutdown asks through control/shutdown
 *   ping=PEER [pings=N] (10) [ping_ms=M] (1000)  N pings one at a time (M ms
 *                 each); every ping must be answered
 *   udp=PEER [count=N] (0: until shutdown) [window=W] (16, at most 64)
 *                 [size=BYTES] (256, 4..1472, or ..8972 with scatter-gather:
 *                 a jumbo frame over several slots) [lost_ms=M] (1000)
 *                 [maxlost=L] (0)  a steady UDP echo load to PEER's port 7:
 *                 datagrams carry a sequence number, W at most unanswered;
 *                 an echo settles its datagram, one unanswered after M ms is
 *                 lost, an echo of a settled one is a duplicate. At the end
 *                 every datagram must be echoed or lost, at most L lost.
 * ping= and udp= may come together (pings first); afterwards the program
 * serves linger_ms=M ms more (0) and ends (RESULT: PASS), or serves on with
 * stay=1. arp_s=S (10): how long the peer may take to answer ARP (asked once
 * a second, as Linux's neighbour code asks).
 * [report_ms=R] prints a progress line every R ms (udp and serve).
 * sg=0 / csum=0 turn netfront's scatter-gather / checksum offload off (both on
 * by default: Linux's netfront asks for them).
 * The last lines: the figures (sent, echoed, lost, duplicates, rate, round
 * trip) and netfront's counts (reconnects, frames sent again); a backend that
 * goes away meanwhile (a netback hot-swap) is reconnected to by netfront.
 */
#include <kit.h>
#include <oxen/pv.h>
#ifdef GUEST_NATIVE
#include <oxen/xenhvm.h>
#define HVM_EVENT_IRQ 11                /* the platform device's INTx, routed as a BIOS does */
#endif
#include <oxen/xenstore.h>
#include <oxen/netfront.h>
#include <oxen/netip.h>

#define SECOND 1000000000ull
#define MS 1000000ull
#define MAX_WINDOW 64
#define SPORT 5001

static struct netfront nf;
static struct netip ip;

/* the udp load's window: slot seq % MAX_WINDOW holds seq + 1 while unanswered */
static uint32_t outstanding[MAX_WINDOW];
static uint64_t sent_at[MAX_WINDOW];
static uint32_t unanswered;
static uint64_t sent, echoed, lost, duplicates, rtt_sum, rtt_max;
static uint64_t last_echo_at, gap_max;  /* the longest time without an echo (a backend swap's pause) */

/* the ping's answer */
static volatile int pong_seq = -1;

static void on_pong(struct netip *n, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *data, unsigned len,
                    void *arg)
{
    (void)n; (void)src; (void)data; (void)len; (void)arg;
    if (id == 0x6b69)
        pong_seq = seq;
}

static void on_udp(struct netip *n, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data, unsigned len,
                   void *arg)
{
    (void)n; (void)src; (void)arg;
    if (sport != NETIP_ECHO_PORT || dport != SPORT || len < 4)
        return;
    uint32_t seq = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
    unsigned slot = seq % MAX_WINDOW;
    if (outstanding[slot] == seq + 1) {
        outstanding[slot] = 0;
        unanswered--;
        echoed++;
        uint64_t now = guest_time_ns();
        if (last_echo_at && now - last_echo_at > gap_max)
            gap_max = now - last_echo_at;
        last_echo_at = now;
        uint64_t rtt = now - sent_at[slot];
        rtt_sum += rtt;
        if (rtt > rtt_max)
            rtt_max = rtt;
    } else {
        duplicates++;
    }
}

/* Whether xl shutdown asked (the reason in *reason). */
static int shutdown_asked(int *reason)
{
    char path[64];
    while (xs_read_watch_token(SHUTDOWN_WATCH_TOKEN, path, sizeof path, 0)) {
        int r = shutdown_event(SHUTDOWN_WATCH_TOKEN);
        if (r >= 0) {
            *reason = r;
            return 1;
        }
    }
    return 0;
}

static void print_counts(void)
{
    printf("netecho: netfront: %u frames sent, %u received, %u tx errors, %u rx errors, %u reconnects, %u frames sent "
           "again; ip: %u arp answered, %u pings answered, %u udp echoed, %u bad checksums, %u arp requests sent\n",
           nf.tx_packets, nf.rx_packets, nf.tx_errors, nf.rx_errors, nf.reconnects, nf.resent, ip.arp_answered,
           ip.pings_answered, ip.udp_echoed, ip.bad_checksums, ip.arp_requests);
    printf("netecho: offloads: sg %d, csum %d; %u frames sent over several slots, %u csum_blank; %u received over "
           "several slots, %u csum_blank, %u data_validated\n", nf.sg, nf.csum, nf.tx_multislot, nf.tx_csum_blank,
           nf.rx_multislot, nf.rx_csum_blank, nf.rx_data_validated);
}

static uint32_t arp_wait_s = 10;
/* How long a ping may wait for its reply (ping_ms=, 1000). */
static uint64_t ping_wait_ns = SECOND;

static void resolve(uint32_t peer, const char *what)
{
    uint8_t mac[6];
    uint64_t limit = guest_time_ns() + arp_wait_s * SECOND;
    /* netip asks by ARP at most once a NETIP_ARP_RETRANS_NS, however often it is called */
    while (netip_resolve(&ip, peer, mac) != 0) {
        uint64_t t = guest_time_ns();
        CHECK(t < limit, "no ARP reply from %s", what);
        netfront_wait(&nf, t + 100 * MS < limit ? t + 100 * MS : limit);
    }
    printf("netecho: %s is at %02x:%02x:%02x:%02x:%02x:%02x\n", what, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void pings(uint32_t peer, const char *what, uint32_t count)
{
    static uint8_t data[56];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    resolve(peer, what);
    uint64_t sum = 0, max = 0, min = ~0ull;
    for (uint32_t s = 0; s < count; s++) {
        pong_seq = -1;
        uint64_t t0 = guest_time_ns(), limit = t0 + ping_wait_ns;
        while (netip_send_ping(&ip, peer, 0x6b69, (uint16_t)s, data, sizeof data) == -XEN_EAGAIN) {
            CHECK(guest_time_ns() < limit, "ping %u: could not send", s);
            netfront_wait(&nf, guest_time_ns() + MS);
        }
        while (pong_seq != (int)s) {
            CHECK(guest_time_ns() < limit, "ping %u to %s: no reply in %u ms", s, what, (uint32_t)(ping_wait_ns / MS));
            netfront_wait(&nf, limit);
        }
        uint64_t rtt = guest_time_ns() - t0;
        sum += rtt;
        max = rtt > max ? rtt : max;
        min = rtt < min ? rtt : min;
    }
    printf("netecho: ping %s: %u sent, %u replies, rtt min/mean/max %u/%u/%u us\n", what, count, count,
           (uint32_t)(min / 1000), (uint32_t)(sum / count / 1000), (uint32_t)(max / 1000));
}

static void report(const char *what)
{
    printf("netecho: %s sent %u, echoed %u, lost %u, duplicates %u, longest gap %u ms\n", what, (uint32_t)sent,
           (uint32_t)echoed, (uint32_t)lost, (uint32_t)duplicates, (uint32_t)(gap_max / 1000000));
}

/* The udp load; returns the shutdown reason if xl shutdown ended it, else -1. */
static int udp_load(uint32_t peer, const char *what, uint32_t count, uint32_t window, uint32_t size,
                    uint64_t lost_ns, uint64_t report_ns)
{
    static uint8_t payload[NETFRONT_MAX_JUMBO];
    for (uint32_t i = 4; i < size; i++)
        payload[i] = (uint8_t)(i * 7);
    ip.udp = on_udp;
    resolve(peer, what);
    int reason = -1;
    uint64_t t0 = guest_time_ns(), next_report = t0 + report_ns;
    uint32_t seq = 0;
    for (;;) {
        uint64_t t = guest_time_ns();
        /* losses: unanswered after lost_ns */
        for (unsigned i = 0; i < MAX_WINDOW; i++)
            if (outstanding[i] && t - sent_at[i] > lost_ns) {
                outstanding[i] = 0;
                unanswered--;
                lost++;
            }
        if (report_ns && t >= next_report) {
            report("progress");
            next_report = t + report_ns;
        }
        int stop = (count && seq >= count) || reason >= 0 || shutdown_asked(&reason);
        if (stop && unanswered == 0)
            break;
        if (!stop && unanswered < window) {
            unsigned slot = seq % MAX_WINDOW;
            if (outstanding[slot] == 0) {
                payload[0] = (uint8_t)seq;
                payload[1] = (uint8_t)(seq >> 8);
                payload[2] = (uint8_t)(seq >> 16);
                payload[3] = (uint8_t)(seq >> 24);
                int rc = netip_send_udp(&ip, peer, SPORT, NETIP_ECHO_PORT, payload, size);
                if (rc == 0) {
                    outstanding[slot] = seq + 1;
                    sent_at[slot] = t;
                    unanswered++;
                    sent++;
                    seq++;
                    netfront_poll(&nf);
                    continue;
                }
                CHECK(rc == -XEN_EAGAIN, "udp send: %d", rc);
            }
        }
        /* sleep until an echo, the oldest datagram's loss or the next report */
        uint64_t deadline = t + 100 * MS;
        for (unsigned i = 0; i < MAX_WINDOW; i++)
            if (outstanding[i] && sent_at[i] + lost_ns + 1 < deadline)
                deadline = sent_at[i] + lost_ns + 1;
        if (report_ns && next_report < deadline)
            deadline = next_report;
        netfront_wait(&nf, deadline);
    }
    uint64_t dt = guest_time_ns() - t0;
    report("udp");
    printf("netecho: udp %s: %u datagrams of %u bytes echoed in %u ms: %u datagrams/s, %u KiB/s each way, rtt "
           "mean/max %u/%u us\n", what, (uint32_t)echoed, size, (uint32_t)(dt / MS),
           dt ? (uint32_t)(echoed * SECOND / dt) : 0, dt ? (uint32_t)(echoed * size * (SECOND / 1024) / dt) : 0,
           echoed ? (uint32_t)(rtt_sum / echoed / 1000) : 0, (uint32_t)(rtt_max / 1000));
    return reason;
}

static noreturn void serve(uint64_t report_ns)
{
    int reason;
    uint64_t next = guest_time_ns() + report_ns;
    while (!shutdown_asked(&reason)) {
        uint64_t t = guest_time_ns();
        if (report_ns && t >= next) {
            printf("netecho: serving: %u pings answered, %u udp echoed\n", ip.pings_answered, ip.udp_echoed);
            next = t + report_ns;
        }
        netfront_wait(&nf, report_ns ? next : t + SECOND);
    }
    print_counts();
    netfront_shutdown(&nf);
    shutdown_clean(reason);
}

void guest_main(void)
{
    char node[64] = "device/vif/0", addr[20] = "", peer[20] = "";
    cmdline_get("node", node, sizeof node);
    CHECK(cmdline_get("ip", addr, sizeof addr) && netip_parse(addr), "ip=A.B.C.D is needed (got \"%s\")", addr);
    uint64_t report_ns = cmdline_u32("report_ms", 0) * MS;

    arp_wait_s = cmdline_u32("arp_s", 10);
    ping_wait_ns = cmdline_u32("ping_ms", 1000) * MS;
    irq_disable();                      /* events arrive while waiting in cpu_idle */
#ifdef GUEST_NATIVE
    pvhvm_init(HVM_EVENT_IRQ);          /* an HVM domain: the PV drivers on Xen's platform interface */
#endif
    xs_init();
    shutdown_watch_init();
    unsigned features = (cmdline_u32("sg", 1) ? NETFRONT_F_SG : 0) | (cmdline_u32("csum", 1) ? NETFRONT_F_CSUM : 0);
    CHECK(netfront_init_features(&nf, node, netip_receive, &ip, 30 * SECOND, features) == 0, "no vif at %s", node);
    netip_init(&ip, &nf, netip_parse(addr));
    ip.pong = on_pong;
    printf("netecho: %s is %s\n", node, addr);

    int client = 0;
    if (cmdline_get("ping", peer, sizeof peer)) {
        uint32_t p = netip_parse(peer);
        CHECK(p, "ping=%s: not an address", peer);
        pings(p, peer, cmdline_u32("pings", 10));
        client = 1;
    }
    if (cmdline_get("udp", peer, sizeof peer)) {
        uint32_t p = netip_parse(peer);
        CHECK(p, "udp=%s: not an address", peer);
        uint32_t count = cmdline_u32("count", 0), window = cmdline_u32("window", 16), size = cmdline_u32("size", 256);
        uint32_t maxlost = cmdline_u32("maxlost", 0);
        CHECK(window >= 1 && window <= MAX_WINDOW, "window=%u: 1..%u", window, MAX_WINDOW);
        CHECK(size >= 4 && size <= netip_max_udp(&ip), "size=%u: 4..%u", size, netip_max_udp(&ip));
        int reason = udp_load(p, peer, count, window, size, cmdline_u32("lost_ms", 1000) * MS, report_ns);
        CHECK(sent == echoed + lost, "%u sent, but %u echoed and %u lost", (uint32_t)sent, (uint32_t)echoed,
              (uint32_t)lost);
        CHECK(lost <= maxlost, "%u datagrams lost (at most %u allowed)", (uint32_t)lost, maxlost);
        if (reason >= 0) {
            print_counts();
            netfront_shutdown(&nf);
            shutdown_clean(reason);
        }
        client = 1;
    }
    if (client && !cmdline_u32("stay", 0)) {
        /* answer a peer still at work a while longer */
        uint64_t until = guest_time_ns() + cmdline_u32("linger_ms", 0) * MS;
        while (guest_time_ns() < until)
            netfront_wait(&nf, until);
        print_counts();
        netfront_shutdown(&nf);
        pass();
    }
    serve(report_ns);
}
