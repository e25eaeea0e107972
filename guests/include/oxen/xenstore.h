/*
 * xenstore.h -- the guest kit's xenstore client (lib/pv/xenstore.c) and the
 * control/shutdown answerer built on it (lib/pv/shutdown.c). PV only.
 *
 * The client speaks xs_wire (xen/include/public/io/xs_wire.h) over the store
 * ring of start_info (store_mfn, store_evtchn), as Mini-OS's xenbus.c does:
 * one request at a time, the reply matched by req_id; watch events that
 * arrive meanwhile are queued for xs_read_watch. Paths may be absolute or
 * relative to /local/domain/<own id>.
 *
 * Every call returns >= 0 on success and XS_ERR when xenstored answered
 * XS_ERROR; xs_error() then names the error ("ENOENT", "EAGAIN", ...).
 * Transaction id 0 is "no transaction".
 */
#ifndef OXEN_XENSTORE_H
#define OXEN_XENSTORE_H

#include <kit.h>

/* struct xenstore_domain_interface (xs_wire.h) */
#define XENSTORE_RING_SIZE 1024
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];
    char rsp[XENSTORE_RING_SIZE];
    uint32_t req_cons, req_prod;
    uint32_t rsp_cons, rsp_prod;
    uint32_t server_features;
    uint32_t connection;
    uint32_t error;
    uint32_t evtchn_port;
};
struct xsd_sockmsg { uint32_t type, req_id, tx_id, len; };
#define XENSTORE_PAYLOAD_MAX 4096

enum xsd_sockmsg_type {
    XS_CONTROL, XS_DIRECTORY, XS_READ, XS_GET_PERMS, XS_WATCH, XS_UNWATCH,
    XS_TRANSACTION_START, XS_TRANSACTION_END, XS_INTRODUCE, XS_RELEASE,
    XS_GET_DOMAIN_PATH, XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS,
    XS_WATCH_EVENT, XS_ERROR, XS_IS_DOMAIN_INTRODUCED, XS_RESUME,
    XS_SET_TARGET, XS_RESET_WATCHES = XS_SET_TARGET + 2, XS_DIRECTORY_PART,
};

#define XS_ERR (-1)

int xs_init(void);                                  /* 0, or fails the program */
const char *xs_error(void);                         /* after XS_ERR */
struct xenstore_domain_interface *xs_ring(void);
uint32_t xs_port(void);

/* The operations; buffers are NUL-terminated on return. */
int xs_read(uint32_t tx, const char *path, char *buf, size_t n);   /* value length */
int xs_write(uint32_t tx, const char *path, const char *value);
int xs_mkdir(uint32_t tx, const char *path);
int xs_rm(uint32_t tx, const char *path);
/* Children as "a\0b\0...": returns their count, *len the bytes. */
int xs_directory(uint32_t tx, const char *path, char *buf, size_t n, size_t *len);
int xs_get_perms(uint32_t tx, const char *path, char *buf, size_t n);
int xs_set_perms(uint32_t tx, const char *path, const char *perms, size_t perms_len);
int xs_get_domain_path(uint32_t domid, char *buf, size_t n);
int xs_watch(const char *path, const char *token);
int xs_unwatch(const char *path, const char *token);
/* After a resume in a new domain (lib/pv/suspend.c): the store port of the new
 * start_info, and every watch registered again (xenstored forgot them). */
int xs_resume(void);
/* A function the store port's event runs once no conversation is under way (from the event
 * upcall when events are enabled, or at the end of the conversation the event came in); it
 * may talk to xenstore itself. NULL: none. Kept across a resume. */
void xs_set_event_hook(void (*hook)(void));
int xs_transaction_start(uint32_t *tx);
int xs_transaction_end(uint32_t tx, int commit);    /* XS_ERR + "EAGAIN": retry */

/* The next queued watch event, waiting up to timeout_ns (0: do not wait).
 * Returns 1 with path and token filled, 0 on timeout. */
int xs_read_watch(char *path, size_t pn, char *token, size_t tn, uint64_t timeout_ns);
/* The oldest queued event of watch token, waiting up to timeout_ns (0: only
 * what has arrived); events of other tokens stay queued, in order. 1 with path
 * filled, 0 on timeout. */
int xs_read_watch_token(const char *token, char *path, size_t pn, uint64_t timeout_ns);

/* One raw request (hostile tests): header fields and payload as given; the
 * reply's type, payload (up to n bytes) and length. */
int xs_raw(uint32_t type, uint32_t tx, const void *payload, uint32_t len,
           uint32_t *rtype, char *reply, size_t n);
/* Writes bytes into the request ring as they are (a malformed stream);
 * returns how many fitted. */
size_t xs_raw_bytes(const void *bytes, size_t len);
/* The next reply (watch events are queued): its req_id, type and length;
 * -1 on timeout. */
int xs_raw_reply(uint32_t *req_id, uint32_t *rtype, uint64_t timeout_ns);

/* ---- control/shutdown (lib/pv/shutdown.c) ----------------------------- */
/* The token of its watch (a program waiting on other watches too polls it with
 * xs_read_watch_token and hands the event to shutdown_event). */
#define SHUTDOWN_WATCH_TOKEN "oxen-kit-shutdown"
/* Announces control/feature-poweroff and -reboot ("1") and watches
 * control/shutdown. */
int shutdown_watch_init(void);
/* Handles queued watch events without waiting (or waiting up to timeout_ns):
 * on "poweroff" or "reboot" acknowledges by writing "" and returns
 * SHUTDOWN_poweroff or SHUTDOWN_reboot; -1 when nothing was asked. */
int shutdown_poll(uint64_t timeout_ns);
/* The same for one watch event a program read itself (xs_read_watch) while
 * it also watches other nodes: the reason, or -1 (not ours, or nothing asked). */
int shutdown_event(const char *token);
/* Handles only this watch's queued events (a program whose drivers watch other
 * nodes keeps theirs queued), without waiting: the reason, or -1. */
int shutdown_requested(void);
/* After shutdown_watch_init: answers control/shutdown from the store port's event
 * upcall too, while the program runs or waits, as Linux's xenwatch thread preempts a
 * busy task -- a suspend there saves the program where the upcall interrupted it and
 * it goes on from there (in the new domain or this one). clean=1 (a program that only
 * computes: cpubench): poweroff and reboot end it at once (shutdown_clean); clean=0: they
 * are kept for its next shutdown_poll or shutdown_requested. Runs when events are enabled
 * (irq_enable, or while it blocks in cpu_idle). */
void shutdown_watch_async(int clean);
/* Prints RESULT: PASS and shuts down with that reason (never returns). */
noreturn void shutdown_clean(int reason);

#endif
