/*
 * netip.c -- the kit's small IPv4 layer (see <oxen/netip.h>): ARP (RFC 826),
 * IPv4 without fragments, ICMP echo (RFC 792), UDP (RFC 768) and its echo
 * service (RFC 862). Frames are built in one static buffer and handed to
 * netfront_send, which copies them.
 */
#include <oxen/pv.h>
#include <oxen/netip.h>

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IP_HLEN 20
#define PROTO_ICMP 1
#define PROTO_UDP 17

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static uint8_t out[NETFRONT_MAX_JUMBO];

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* The one's-complement sum of len bytes (big-endian words) added to sum. The
 * bulk is summed as little-endian dwords into 64 bits and byte-swapped once at
 * the end: the one's-complement sum does not depend on the byte order (RFC
 * 1071 2(B)); the tail (from a multiple of 4) is summed as big-endian words. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, unsigned len)
{
    uint64_t le = 0;
    for (; len >= 4; p += 4, len -= 4)
        le += *(const uint32_t *)p;
    while (le >> 16)
        le = (le & 0xffff) + (le >> 16);
    sum += (uint32_t)((le & 0xff) << 8 | le >> 8);
    for (; len > 1; p += 2, len -= 2)
        sum += get16(p);
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The UDP checksum's sum: pseudo header (addresses at ipsrc, 8 bytes) and the datagram. */
static uint32_t udp_sum(const uint8_t *ipsrc, const uint8_t *udp, unsigned len)
{
    return csum_add(csum_add(PROTO_UDP + len, ipsrc, 8), udp, len);
}

uint32_t netip_parse(const char *s)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        if (*s < '0' || *s > '9')
            return 0;
        uint32_t v = 0;
        while (*s >= '0' && *s <= '9')
            v = v * 10 + (uint32_t)(*s++ - '0');
        if (v > 255 || (i < 3 && *s++ != '.'))
            return 0;
        a = a << 8 | v;
    }
    return *s == 0 ? a : 0;
}

void netip_init(struct netip *ip, struct netfront *nf, uint32_t addr)
{
    memset(ip, 0, sizeof *ip);
    ip->nf = nf;
    ip->addr = addr;
}

static void arp_learn(struct netip *ip, uint32_t addr, const uint8_t *mac)
{
    for (unsigned i = 0; i < NETIP_ARP_ENTRIES; i++)
        if (ip->arp[i].ip == addr) {
            memcpy(ip->arp[i].mac, mac, 6);
            return;
        }
    unsigned i = ip->arp_next++ % NETIP_ARP_ENTRIES;
    ip->arp[i].ip = addr;
    memcpy(ip->arp[i].mac, mac, 6);
}

unsigned netip_max_udp(const struct netip *ip)
{
    return ip->nf->max_frame - ETH_HLEN - IP_HLEN - 8;
}

static int transmit_flags(struct netip *ip, unsigned len, unsigned flags)
{
    int rc = netfront_send_flags(ip->nf, out, len, flags);
    if (rc)
        ip->send_failed++;
    return rc;
}

static int transmit(struct netip *ip, unsigned len)
{
    int rc = netfront_send(ip->nf, out, len);
    if (rc)
        ip->send_failed++;
    return rc;
}

static int arp_send(struct netip *ip, uint16_t op, const uint8_t *tha, uint32_t tpa)
{
    memcpy(out, op == 1 ? broadcast : tha, 6);
    memcpy(out + 6, ip->nf->mac, 6);
    put16(out + 12, ETH_P_ARP);
    uint8_t *a = out + ETH_HLEN;
    put16(a, 1);                        /* Ethernet */
    put16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, ip->nf->mac, 6);
    put32(a + 14, ip->addr);
    if (op == 1)
        memset(a + 18, 0, 6);
    else
        memcpy(a + 18, tha, 6);
    put32(a + 24, tpa);
    return transmit(ip, ETH_HLEN + 28);
}

/* Asks for dst by ARP unless a request for it went out less than
 * NETIP_ARP_RETRANS_NS ago. A request per call would be a broadcast storm: a
 * caller polling for the answer resolves again at every event (each of its
 * own requests' tx responses among them), thousands of requests a second,
 * enough to overflow the peer's queue (netback's rx queue) and drop what comes
 * after them, the first ping with them. */
static void arp_ask(struct netip *ip, uint32_t dst)
{
    uint64_t now = guest_time_ns();
    unsigned i;
    for (i = 0; i < NETIP_ARP_ENTRIES; i++)
        if (ip->asking[i].ip == dst)
            break;
    if (i == NETIP_ARP_ENTRIES) {
        i = ip->asking_next++ % NETIP_ARP_ENTRIES;
        ip->asking[i].ip = dst;
    } else if (now - ip->asking[i].asked_ns < NETIP_ARP_RETRANS_NS) {
        return;
    }
    if (arp_send(ip, 1, NULL, dst) == 0) {
        ip->asking[i].asked_ns = now;
        ip->arp_requests++;
    } else {
        ip->asking[i].ip = 0;           /* not sent (no tx buffer): ask at the next call */
    }
}

int netip_resolve(struct netip *ip, uint32_t dst, uint8_t mac[6])
{
    for (unsigned i = 0; i < NETIP_ARP_ENTRIES; i++)
        if (ip->arp[i].ip == dst && dst) {
            memcpy(mac, ip->arp[i].mac, 6);
            return 0;
        }
    arp_ask(ip, dst);
    return -XEN_EAGAIN;
}

/* The Ethernet and IPv4 headers in out[] for l4len bytes of protocol proto. */
static void ip_header(struct netip *ip, const uint8_t *dmac, uint32_t dst, uint8_t proto, unsigned l4len)
{
    memcpy(out, dmac, 6);
    memcpy(out + 6, ip->nf->mac, 6);
    put16(out + 12, ETH_P_IP);
    uint8_t *h = out + ETH_HLEN;
    h[0] = 0x45;
    h[1] = 0;
    put16(h + 2, (uint16_t)(IP_HLEN + l4len));
    put16(h + 4, ip->ip_id++);
    put16(h + 6, 0x4000);               /* don't fragment */
    h[8] = 64;
    h[9] = proto;
    put16(h + 10, 0);
    put32(h + 12, ip->addr);
    put32(h + 16, dst);
    put16(h + 10, csum_fold(csum_add(0, h, IP_HLEN)));
}

static int udp_out(struct netip *ip, const uint8_t *dmac, uint32_t dst, uint16_t sport, uint16_t dport,
                   const void *data, unsigned len)
{
    ip_header(ip, dmac, dst, PROTO_UDP, 8 + len);
    uint8_t *u = out + ETH_HLEN + IP_HLEN;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(8 + len));
    put16(u + 6, 0);
    memcpy(u + 8, data, len);
    if (ip->nf->csum) {
        /* CHECKSUM_PARTIAL: the pseudo-header sum, folded, for the backend to finish */
        uint16_t partial = (uint16_t)~csum_fold(csum_add(PROTO_UDP + 8 + len, out + ETH_HLEN + 12, 8));
        put16(u + 6, partial);
        return transmit_flags(ip, ETH_HLEN + IP_HLEN + 8 + len, NETTXF_csum_blank | NETTXF_data_validated);
    }
    uint16_t c = csum_fold(udp_sum(out + ETH_HLEN + 12, u, 8 + len));
    put16(u + 6, c ? c : 0xffff);
    return transmit(ip, ETH_HLEN + IP_HLEN + 8 + len);
}

int netip_send_udp(struct netip *ip, uint32_t dst, uint16_t sport, uint16_t dport, const void *data, unsigned len)
{
    uint8_t mac[6];
    if (len > netip_max_udp(ip))
        return -XEN_EINVAL;
    int rc = netip_resolve(ip, dst, mac);
    return rc ? rc : udp_out(ip, mac, dst, sport, dport, data, len);
}

static int icmp_out(struct netip *ip, const uint8_t *dmac, uint32_t dst, uint8_t type, uint16_t id, uint16_t seq,
                    const void *data, unsigned len)
{
    ip_header(ip, dmac, dst, PROTO_ICMP, 8 + len);
    uint8_t *c = out + ETH_HLEN + IP_HLEN;
    c[0] = type;
    c[1] = 0;
    put16(c + 2, 0);
    put16(c + 4, id);
    put16(c + 6, seq);
    memcpy(c + 8, data, len);
    put16(c + 2, csum_fold(csum_add(0, c, 8 + len)));
    return transmit(ip, ETH_HLEN + IP_HLEN + 8 + len);
}

int netip_send_ping(struct netip *ip, uint32_t dst, uint16_t id, uint16_t seq, const void *data, unsigned len)
{
    uint8_t mac[6];
    if (len > netip_max_udp(ip) + 8)
        return -XEN_EINVAL;
    int rc = netip_resolve(ip, dst, mac);
    return rc ? rc : icmp_out(ip, mac, dst, 8, id, seq, data, len);
}

static void arp_in(struct netip *ip, const uint8_t *f, unsigned len)
{
    const uint8_t *a = f + ETH_HLEN;
    if (len < ETH_HLEN + 28 || get16(a) != 1 || get16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4)
        return;
    uint32_t spa = get32(a + 14), tpa = get32(a + 24);
    if (spa)
        arp_learn(ip, spa, a + 8);
    if (get16(a + 6) == 1 && tpa == ip->addr) {
        ip->arp_answered++;
        arp_send(ip, 2, a + 8, spa);
    }
}

static void ipv4_in(struct netip *ip, const uint8_t *f, unsigned len, int validated)
{
    const uint8_t *h = f + ETH_HLEN;
    if (len < ETH_HLEN + IP_HLEN || (h[0] >> 4) != 4)
        return;
    unsigned ihl = (h[0] & 15) * 4u, total = get16(h + 2);
    if (ihl < IP_HLEN || total < ihl || ETH_HLEN + total > len || csum_fold(csum_add(0, h, ihl)) != 0) {
        ip->bad_checksums++;
        return;
    }
    if (get32(h + 16) != ip->addr || (get16(h + 6) & 0x3fff)) {
        ip->dropped++;                  /* not ours, or a fragment */
        return;
    }
    uint32_t src = get32(h + 12);
    const uint8_t *l4 = h + ihl;
    unsigned l4len = total - ihl;
    if (h[9] == PROTO_ICMP && l4len >= 8) {
        if (!validated && csum_fold(csum_add(0, l4, l4len)) != 0) {
            ip->bad_checksums++;
            return;
        }
        if (l4[0] == 8) {
            ip->pings_answered++;
            icmp_out(ip, f + 6, src, 0, get16(l4 + 4), get16(l4 + 6), l4 + 8, l4len - 8);
        } else if (l4[0] == 0 && ip->pong) {
            ip->pong(ip, src, get16(l4 + 4), get16(l4 + 6), l4 + 8, l4len - 8, ip->arg);
        }
    } else if (h[9] == PROTO_UDP && l4len >= 8) {
        unsigned ulen = get16(l4 + 4);
        if (ulen < 8 || ulen > l4len
            || (!validated && get16(l4 + 6) != 0 && csum_fold(udp_sum(h + 12, l4, ulen)) != 0)) {
            ip->bad_checksums++;
            return;
        }
        uint16_t sport = get16(l4), dport = get16(l4 + 2);
        if (dport == NETIP_ECHO_PORT) {
            ip->udp_echoed++;
            arp_learn(ip, src, f + 6);
            udp_out(ip, f + 6, src, NETIP_ECHO_PORT, sport, l4 + 8, ulen - 8);
        } else if (ip->udp) {
            ip->udp(ip, src, sport, dport, l4 + 8, ulen - 8, ip->arg);
        }
    } else {
        ip->dropped++;
    }
}

void netip_receive(struct netfront *nf, const uint8_t *frame, unsigned len, unsigned flags, void *data)
{
    struct netip *ip = data;
    (void)nf;
    if (len < ETH_HLEN)
        return;
    if (memcmp(frame, ip->nf->mac, 6) != 0 && memcmp(frame, broadcast, 6) != 0)
        return;
    uint16_t type = get16(frame + 12);
    if (type == ETH_P_ARP)
        arp_in(ip, frame, len);
    else if (type == ETH_P_IP) {
        int validated = (flags & NETRXF_data_validated) != 0;  /* csum_blank comes with it */
        ip->validated += validated;
        ipv4_in(ip, frame, len, validated);
    }
}
