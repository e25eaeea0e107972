/*
 * netif.h -- the network device protocol of Xen's io/netif.h as a 32-bit guest
 * speaks it: a tx and an rx ring of one page each, requests and responses as
 * laid out in /work/shared/notes/xen-split-drivers.md §4 (checked below).
 * The checksum flags are swapped between the directions.
 */
#ifndef OXEN_NETIF_H
#define OXEN_NETIF_H

#include <kit.h>
#include <oxen/xen_abi.h>
#include <oxen/ring.h>

/* tx request flags (frontend -> backend) */
#define NETTXF_csum_blank     (1u << 0)
#define NETTXF_data_validated (1u << 1)
#define NETTXF_more_data      (1u << 2)
#define NETTXF_extra_info     (1u << 3)
/* rx response flags (backend -> frontend) */
#define NETRXF_data_validated (1u << 0)
#define NETRXF_csum_blank     (1u << 1)
#define NETRXF_more_data      (1u << 2)
#define NETRXF_extra_info     (1u << 3)
#define NETRXF_gso_prefix     (1u << 4)

#define NETIF_RSP_DROPPED (-2)
#define NETIF_RSP_ERROR   (-1)
#define NETIF_RSP_OKAY    0
#define NETIF_RSP_NULL    1             /* an extra-info slot's answer */

struct netif_tx_request {
    grant_ref_t gref;
    uint16_t offset;
    uint16_t flags;
    uint16_t id;
    uint16_t size;                      /* the first slot: the whole packet */
};

struct netif_tx_response {
    uint16_t id;
    int16_t status;
};

struct netif_rx_request {
    uint16_t id;
    uint16_t pad;
    grant_ref_t gref;
};

struct netif_rx_response {
    uint16_t id;
    uint16_t offset;
    uint16_t flags;
    int16_t status;                     /* > 0: bytes; else NETIF_RSP_* */
};

_Static_assert(sizeof(struct netif_tx_request) == 12, "netif tx request");
_Static_assert(__builtin_offsetof(struct netif_tx_request, size) == 10, "netif tx request size");
_Static_assert(sizeof(struct netif_tx_response) == 4, "netif tx response");
_Static_assert(sizeof(struct netif_rx_request) == 8, "netif rx request");
_Static_assert(__builtin_offsetof(struct netif_rx_request, gref) == 4, "netif rx request gref");
_Static_assert(sizeof(struct netif_rx_response) == 8, "netif rx response");
_Static_assert(__builtin_offsetof(struct netif_rx_response, status) == 6, "netif rx response status");

DEFINE_RING_TYPES(netif_tx, struct netif_tx_request, struct netif_tx_response);
DEFINE_RING_TYPES(netif_rx, struct netif_rx_request, struct netif_rx_response);

#define NET_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, 4096)
#define NET_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, 4096)

#endif
