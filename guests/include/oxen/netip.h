/*
 * netip.h -- the kit's small IPv4 layer over a netfront (lib/pv/netip.c):
 * enough for a guest to answer ping and echo UDP, and to ping and send UDP
 * itself. PV only.
 *
 * It answers ARP requests for its address and learns from every ARP packet
 * (a small cache); while an address is unresolved it asks for it at most once
 * per NETIP_ARP_RETRANS_NS (Linux's neighbour retrans_time, 1 s), however
 * often it is asked to resolve it. It answers ICMP echo requests, echoes UDP datagrams sent to
 * port 7 (RFC 862) and hands other UDP datagrams and ICMP echo replies to the
 * program's callbacks. It checks the IPv4 header checksum and the ICMP and
 * UDP checksums of what it receives (bad ones are counted and dropped) unless
 * the backend vouched for them (NETRXF_data_validated, counted), and sends
 * complete checksums, or, when the netfront negotiated checksum offload, UDP
 * with only the pseudo-header sum for the backend to finish
 * (NETTXF_csum_blank, as Linux's stack does for CHECKSUM_PARTIAL). Datagrams
 * are as long as the netfront's frames allow (MTU 9000 with scatter-gather).
 * No fragments, no options (a header with options
 * is accepted and skipped), no routing: every peer is on the link.
 * Addresses are in host byte order (10.0.0.2 is 0x0a000002).
 */
#ifndef OXEN_NETIP_H
#define OXEN_NETIP_H

#include <kit.h>
#include <oxen/netfront.h>

#define NETIP_ECHO_PORT 7
#define NETIP_ARP_ENTRIES 8
#define NETIP_ARP_RETRANS_NS 1000000000ull  /* between two ARP requests for one address */

struct netip;
typedef void (*netip_udp_t)(struct netip *ip, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
                            unsigned len, void *arg);
typedef void (*netip_pong_t)(struct netip *ip, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *data,
                             unsigned len, void *arg);

struct netip {
    struct netfront *nf;
    uint32_t addr;
    struct { uint32_t ip; uint8_t mac[6]; } arp[NETIP_ARP_ENTRIES];
    unsigned arp_next;
    /* addresses being resolved: when the last ARP request for each went out */
    struct { uint32_t ip; uint64_t asked_ns; } asking[NETIP_ARP_ENTRIES];
    unsigned asking_next;
    netip_udp_t udp;                    /* datagrams not for the echo port */
    netip_pong_t pong;                  /* ICMP echo replies */
    void *arg;
    uint16_t ip_id;
    /* counts */
    uint32_t arp_answered, pings_answered, udp_echoed, bad_checksums, dropped, send_failed, validated;
    uint32_t arp_requests;              /* ARP requests sent */
};

/* Sets the layer up on nf (whose receive callback must be netip_receive with
 * ip as its data) for address addr. */
void netip_init(struct netip *ip, struct netfront *nf, uint32_t addr);
/* netfront's receive callback (data: the struct netip). */
void netip_receive(struct netfront *nf, const uint8_t *frame, unsigned len, unsigned flags, void *data);

/* dst's MAC from the cache: 0; otherwise -XEN_EAGAIN (poll, then again), an
 * ARP request for dst sent first unless one went out less than
 * NETIP_ARP_RETRANS_NS ago. */
int netip_resolve(struct netip *ip, uint32_t dst, uint8_t mac[6]);
/* The most data a UDP datagram carries on this netfront (1472, or 8972 with
 * scatter-gather). */
unsigned netip_max_udp(const struct netip *ip);
/* One UDP datagram (at most netip_max_udp bytes of data): 0, -XEN_EAGAIN (dst not
 * resolved yet, or no tx buffer free), -XEN_EINVAL (too long). */
int netip_send_udp(struct netip *ip, uint32_t dst, uint16_t sport, uint16_t dport, const void *data, unsigned len);
/* One ICMP echo request with len bytes of data: as netip_send_udp. */
int netip_send_ping(struct netip *ip, uint32_t dst, uint16_t id, uint16_t seq, const void *data, unsigned len);

/* "a.b.c.d" -> address (host order), 0 if it is not one. */
uint32_t netip_parse(const char *s);

#endif
