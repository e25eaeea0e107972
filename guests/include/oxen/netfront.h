/*
 * netfront.h -- the kit's network frontend (lib/pv/netfront.c): a vif's tx and
 * rx rings to its backend with the handshake of Mini-OS's netfront.c, and
 * reconnection when the backend goes away and comes back (a netback hot-swap).
 * PV only.
 *
 * Frames are Ethernet frames of at most nf->max_frame bytes: NETFRONT_MAX_FRAME
 * (MTU 1500), or NETFRONT_MAX_JUMBO (MTU 9000) when scatter-gather is
 * negotiated (NETFRONT_F_SG asked and the backend's feature-sg: a frame then
 * takes several tx slots of at most a tx buffer each, chained by
 * NETTXF_more_data, and comes over several rx slots chained by
 * NETRXF_more_data, reassembled before delivery). With NETFRONT_F_CSUM the
 * frontend takes partial checksums (it does not say feature-no-csum-offload):
 * frames may come NETRXF_csum_blank | NETRXF_data_validated (the TCP/UDP
 * checksum field holds only the pseudo-header sum) or NETRXF_data_validated,
 * and the receive callback gets the first slot's flags; and it may send frames
 * NETTXF_csum_blank | NETTXF_data_validated for the backend to finish, as
 * Linux's netfront does for CHECKSUM_PARTIAL. netfront_init asks for both.
 * netfront_send() copies a frame into the frontend's tx buffers and puts it on
 * the ring; netfront_poll() takes the backend's responses: tx buffers come
 * free, received frames go to the receive callback (which may send) and their
 * buffers are posted again. A
 * frame sent but unanswered when the backend leaves is sent again on the new
 * rings, in the order first sent. When the toolstack removes the device
 * (xl network-detach: online 0, Closing, the directories removed) the frontend
 * closes for good: sends fail with -XEN_ENODEV, waits only sleep.
 * Not thread-safe: one vcpu drives a device.
 */
#ifndef OXEN_NETFRONT_H
#define OXEN_NETFRONT_H

#include <kit.h>
#include <oxen/netif.h>
#include <oxen/xenbus.h>

#define NETFRONT_RX_BUFS 64             /* rx requests posted (a page each) */
#define NETFRONT_TX_BUFS 64             /* frames in flight (half a page each) */
#define NETFRONT_MAX_FRAME 1514         /* MTU 1500 + the Ethernet header */
#define NETFRONT_MAX_JUMBO 9014         /* MTU 9000 + the Ethernet header, with scatter-gather */

/* what a program asks netfront_init_features for */
#define NETFRONT_F_SG   1u              /* feature-sg: frames over a page */
#define NETFRONT_F_CSUM 2u              /* checksum offload: no feature-no-csum-offload */

struct netfront;
/* A received frame; flags: its first slot's NETRXF_csum_blank / NETRXF_data_validated. */
typedef void (*netfront_receive_t)(struct netfront *nf, const uint8_t *frame, unsigned len, unsigned flags,
                                   void *data);

struct netfront {
    struct xenbus_device dev;
    unsigned slot;                      /* which of the kit's static buffer sets */
    uint8_t mac[6];                     /* the toolstack's mac (the frontend's own node) */
    netfront_receive_t receive;
    void *data;
    int connected;
    int gone;                           /* the toolstack removed the device (online 0, or the directories went) */
    unsigned features;                  /* NETFRONT_F_* asked for */
    int sg, csum;                       /* negotiated: scatter-gather, checksum offload */
    unsigned max_frame;                 /* NETFRONT_MAX_FRAME, or NETFRONT_MAX_JUMBO with sg */
    /* the rings */
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    grant_ref_t tx_ring_ref, rx_ring_ref;
    evtchn_port_t port;
    volatile uint32_t events;
    grant_ref_t rx_gref[NETFRONT_RX_BUFS];
    /* tx buffers: free, queued (waiting for a ring) or on the ring */
    uint8_t tx_state[NETFRONT_TX_BUFS];
    uint16_t tx_size[NETFRONT_TX_BUFS]; /* the request's size: the whole frame on its first slot */
    uint16_t tx_flags[NETFRONT_TX_BUFS];
    uint32_t tx_seq[NETFRONT_TX_BUFS];  /* first-send order, for resending */
    grant_ref_t tx_gref[NETFRONT_TX_BUFS];
    uint32_t next_seq;
    uint32_t resumes;                   /* pv_resumes when it last connected */
    /* a frame arriving over several rx slots */
    unsigned rx_len, rx_flags, rx_slots;
    int rx_bad;
    /* counts */
    uint32_t tx_packets, tx_errors, tx_full, rx_packets, rx_errors, resent, reconnects, kicks;
    uint32_t tx_multislot, tx_csum_blank, rx_multislot, rx_csum_blank, rx_data_validated;
};

/* The handshake for the frontend directory node ("device/vif/0"), waiting up
 * to timeout_ns for the directory and for the backend to connect; received
 * frames go to receive(nf, frame, len, data). 0, or -1 with the reason printed. */
int netfront_init(struct netfront *nf, const char *node, netfront_receive_t receive, void *data,
                  uint64_t timeout_ns);
/* netfront_init asking for features (NETFRONT_F_*; netfront_init asks for all). */
int netfront_init_features(struct netfront *nf, const char *node, netfront_receive_t receive, void *data,
                           uint64_t timeout_ns, unsigned features);

/* Copies frame (14..nf->max_frame bytes) into tx buffers and puts it on
 * the ring, notifying the backend if it asked: 0; -XEN_EAGAIN when too few tx
 * buffers are free (poll, then again); -XEN_EINVAL for a bad length;
 * -XEN_ENODEV once the device was removed. While
 * the device reconnects the frame waits for the new rings. */
int netfront_send(struct netfront *nf, const void *frame, unsigned len);
/* As netfront_send, the first slot flagged flags (NETTXF_csum_blank,
 * NETTXF_data_validated; csum_blank only with checksum offload negotiated). */
int netfront_send_flags(struct netfront *nf, const void *frame, unsigned len, unsigned flags);
/* Takes the responses there are (tx buffers freed, frames delivered, rx
 * buffers posted again); reconnects if the backend left Connected. Returns
 * the responses taken. */
unsigned netfront_poll(struct netfront *nf);
/* Polls; with nothing taken, sleeps until an event arrives (of the device or
 * another: the xenstore ring's, a timer) or deadline_ns (guest time), once.
 * Returns the responses taken. */
unsigned netfront_wait(struct netfront *nf, uint64_t deadline_ns);
/* Frames sent and not yet answered (or waiting for a ring). */
unsigned netfront_tx_inflight(struct netfront *nf);

/* Closing -> Closed with the backend following, every grant ended. */
void netfront_shutdown(struct netfront *nf);

#endif
