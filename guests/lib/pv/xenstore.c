/*
 * xenstore.c -- the kit's xenstore client over the start_info store ring
 * (see <oxen/xenstore.h>).
 *
 * The ring: two 1024-byte byte rings in the store page, indexes free-running
 * u32. Writing a request: wait for room (req_prod - req_cons <= 1024), copy
 * bytes at idx & 1023, wmb, advance req_prod, notify the store event channel.
 * Reading: rsp_prod, rmb, copy, mb, advance rsp_cons, notify (xenstored may
 * be waiting for room). Waiting is SCHEDOP_poll on the store port with events
 * masked; the port's handler counts events and, when a program set one
 * (xs_set_event_hook), runs the hook once no conversation is under way: from
 * the event upcall, or at the end of the conversation the event came in.
 */
#include <oxen/pv.h>
#include <oxen/xenstore.h>

#define SECOND 1000000000ull

static struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static volatile uint32_t events;
static uint32_t next_req = 1;
/* Set while a call reads or writes the ring (the main program's or the event hook's own); the
 * event hook (xs_set_event_hook) runs only when it is 0, so it never cuts into a conversation. */
static volatile uint32_t busy;
static void (*event_hook)(void);
static volatile uint32_t hook_due, in_hook;

/* Runs the event hook for the store events that came since it last ran, unless a conversation is
 * under way (it runs when that one ends) or the hook itself is running (it loops). */
static void run_hook(void)
{
    while (event_hook && hook_due && !busy && !in_hook) {
        hook_due = 0;
        in_hook = 1;
        event_hook();
        in_hook = 0;
    }
}

static void enter(void)
{
    busy++;
}

static void leave(void)
{
    if (--busy == 0)
        run_hook();
}

static char last_error[16];
static char msg[XENSTORE_PAYLOAD_MAX + 1];

/* queued watch events */
#define WATCH_QUEUE 16
static struct { char path[256]; char token[64]; } watch_q[WATCH_QUEUE];
static unsigned watch_head, watch_tail;

static void on_event(evtchn_port_t p, void *data)
{
    (void)p; (void)data;
    events++;
    if (event_hook) {
        hook_due = 1;
        run_hook();
    }
}

void xs_set_event_hook(void (*hook)(void))
{
    event_hook = hook;
}

int xs_init(void)
{
    const start_info_t *si = pv_start_info;
    ring = pv_mfn_to_virt(si->store_mfn);
    CHECK(ring != NULL, "store mfn %#x is not in the boot region", si->store_mfn);
    port = si->store_evtchn;
    CHECK(port != 0, "start_info has no store event channel");
    CHECK_EQ(evtchn_bind_handler(port, 0, on_event, NULL), 0, "bind the store event channel");
    return 0;
}

struct xenstore_domain_interface *xs_ring(void) { return ring; }
uint32_t xs_port(void) { return port; }
const char *xs_error(void) { return last_error; }

/* Waits for the store port's next event or the deadline, whichever comes
 * first: SCHEDOP_poll on the port with the deadline as its timeout (events
 * stay masked, so a deadline holds even when no event ever comes), then the
 * pending bit is consumed; the caller looks at the ring again. */
static void wait_event(uint32_t seen, uint64_t deadline)
{
    struct { uint32_t ports; uint32_t nr_ports; uint64_t timeout; } poll = { (uint32_t)&port, 1, deadline };
    irq_disable();
    if (events == seen && guest_time_ns() < deadline)
        HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
    evtchn_clear(port);
}

size_t xs_raw_bytes(const void *bytes, size_t len)
{
    enter();
    const char *b = bytes;
    size_t done = 0;
    uint64_t deadline = guest_time_ns() + 10 * SECOND;
    while (done < len) {
        uint32_t seen = events;
        uint32_t cons = ring->req_cons, prod = ring->req_prod;
        mb();
        uint32_t room = XENSTORE_RING_SIZE - (prod - cons);
        if (room == 0) {
            if (guest_time_ns() >= deadline)
                break;
            wait_event(seen, deadline);
            continue;
        }
        while (room && done < len) {
            ring->req[prod & (XENSTORE_RING_SIZE - 1)] = b[done++];
            prod++;
            room--;
        }
        barrier();                  /* wmb: bytes before the index (x86 TSO) */
        ring->req_prod = prod;
        mb();
        evtchn_send(port);
    }
    leave();
    return done;
}

/* Reads exactly n bytes of the response stream; 0 on timeout. */
static int read_bytes(void *dst, size_t n, uint64_t deadline)
{
    char *d = dst;
    size_t got = 0;
    while (got < n) {
        uint32_t seen = events;
        uint32_t cons = ring->rsp_cons, prod = ring->rsp_prod;
        barrier();                  /* rmb */
        if (cons == prod) {
            if (guest_time_ns() >= deadline)
                return 0;
            wait_event(seen, deadline);
            continue;
        }
        while (cons != prod && got < n) {
            d[got++] = ring->rsp[cons & (XENSTORE_RING_SIZE - 1)];
            cons++;
        }
        mb();
        ring->rsp_cons = cons;
        mb();
        evtchn_send(port);
    }
    return 1;
}

static void queue_watch(const char *payload, uint32_t len)
{
    /* "path\0token\0": exactly two NULs, as Mini-OS insists */
    uint32_t nuls = 0;
    for (uint32_t i = 0; i < len; i++)
        nuls += payload[i] == 0;
    CHECK(nuls == 2 && len && payload[len - 1] == 0, "watch event with %u NULs", nuls);
    unsigned next = (watch_tail + 1) % WATCH_QUEUE;
    CHECK(next != watch_head, "more than %u watch events queued", WATCH_QUEUE - 1);
    strlcpy(watch_q[watch_tail].path, payload, sizeof watch_q[0].path);
    strlcpy(watch_q[watch_tail].token, payload + strlen(payload) + 1, sizeof watch_q[0].token);
    watch_tail = next;
}

/* Reads one message; watch events are queued and reading goes on when
 * want_reply. Returns 1 with *h and msg filled, 0 on timeout. */
static int read_message(struct xsd_sockmsg *h, uint64_t deadline, int want_reply)
{
    for (;;) {
        if (!read_bytes(h, sizeof *h, deadline))
            return 0;
        CHECK(h->len <= XENSTORE_PAYLOAD_MAX, "reply of %u bytes", h->len);
        CHECK(read_bytes(msg, h->len, guest_time_ns() + 10 * SECOND), "reply payload cut short");
        msg[h->len] = 0;
        if (h->type == XS_WATCH_EVENT) {
            queue_watch(msg, h->len);
            if (want_reply)
                continue;
        }
        return 1;
    }
}

int xs_raw_reply(uint32_t *req_id, uint32_t *rtype, uint64_t timeout_ns)
{
    struct xsd_sockmsg r;
    enter();
    int got = read_message(&r, guest_time_ns() + timeout_ns, 1);
    leave();
    if (!got)
        return -1;
    *req_id = r.req_id;
    *rtype = r.type;
    return (int)r.len;
}

int xs_raw(uint32_t type, uint32_t tx, const void *payload, uint32_t len,
           uint32_t *rtype, char *reply, size_t n)
{
    struct xsd_sockmsg h = { type, next_req++, tx, len };
    enter();
    CHECK(xs_raw_bytes(&h, sizeof h) == sizeof h, "request ring stays full");
    CHECK(xs_raw_bytes(payload, len) == len, "request ring stays full");
    struct xsd_sockmsg r;
    CHECK(read_message(&r, guest_time_ns() + 10 * SECOND, 1), "no reply to request type %u", type);
    leave();
    CHECK(r.req_id == h.req_id, "reply for req_id %u, sent %u", r.req_id, h.req_id);
    CHECK(r.tx_id == tx, "reply tx_id %u, sent %u", r.tx_id, tx);
    *rtype = r.type;
    if (reply && n) {
        size_t c = r.len < n - 1 ? r.len : n - 1;
        memcpy(reply, msg, c);
        reply[c] = 0;
    }
    return (int)r.len;
}

/* A request of NUL-separated strings (count of them, plus an optional raw tail). */
static int request(uint32_t type, uint32_t tx, const char *const *parts, unsigned count,
                   const char *tail, size_t tail_len, char *reply, size_t n)
{
    static char payload[XENSTORE_PAYLOAD_MAX];
    size_t len = 0;
    for (unsigned i = 0; i < count; i++) {
        size_t l = strlen(parts[i]) + 1;
        CHECK(len + l <= sizeof payload, "request too long");
        memcpy(payload + len, parts[i], l);
        len += l;
    }
    CHECK(len + tail_len <= sizeof payload, "request too long");
    memcpy(payload + len, tail, tail_len);
    len += tail_len;
    uint32_t rtype;
    int rlen = xs_raw(type, tx, payload, (uint32_t)len, &rtype, reply, n);
    if (rtype == XS_ERROR) {
        strlcpy(last_error, msg, sizeof last_error);
        return XS_ERR;
    }
    CHECK(rtype == type, "reply type %u to request type %u", rtype, type);
    return rlen;
}

int xs_read(uint32_t tx, const char *path, char *buf, size_t n)
{
    return request(XS_READ, tx, &path, 1, "", 0, buf, n);
}

int xs_write(uint32_t tx, const char *path, const char *value)
{
    int r = request(XS_WRITE, tx, &path, 1, value, strlen(value), NULL, 0);
    return r < 0 ? r : 0;
}

int xs_mkdir(uint32_t tx, const char *path)
{
    int r = request(XS_MKDIR, tx, &path, 1, "", 0, NULL, 0);
    return r < 0 ? r : 0;
}

int xs_rm(uint32_t tx, const char *path)
{
    int r = request(XS_RM, tx, &path, 1, "", 0, NULL, 0);
    return r < 0 ? r : 0;
}

int xs_directory(uint32_t tx, const char *path, char *buf, size_t n, size_t *len)
{
    int r = request(XS_DIRECTORY, tx, &path, 1, "", 0, NULL, 0);
    if (r < 0)
        return r;
    CHECK((size_t)r <= n, "directory of %d bytes does not fit", r);
    memcpy(buf, msg, (size_t)r);
    *len = (size_t)r;
    int count = 0;
    for (int i = 0; i < r; i++)
        count += msg[i] == 0;
    return count;
}

int xs_get_perms(uint32_t tx, const char *path, char *buf, size_t n)
{
    int r = request(XS_GET_PERMS, tx, &path, 1, "", 0, NULL, 0);
    if (r < 0)
        return r;
    CHECK((size_t)r <= n, "permissions of %d bytes do not fit", r);
    memcpy(buf, msg, (size_t)r);
    return r;
}

int xs_set_perms(uint32_t tx, const char *path, const char *perms, size_t perms_len)
{
    int r = request(XS_SET_PERMS, tx, &path, 1, perms, perms_len, NULL, 0);
    return r < 0 ? r : 0;
}

int xs_get_domain_path(uint32_t domid, char *buf, size_t n)
{
    char id[12];
    const char *p = id;
    snprintf(id, sizeof id, "%u", domid);
    return request(XS_GET_DOMAIN_PATH, 0, &p, 1, "", 0, buf, n);
}

/* The watches registered, sent again after a resume (Linux's xs_resume). */
#define MAX_WATCHES 8
static struct { char path[128]; char token[64]; int used; } watches[MAX_WATCHES];

static int send_watch(const char *path, const char *token)
{
    const char *parts[] = { path, token };
    int r = request(XS_WATCH, 0, parts, 2, "", 0, NULL, 0);
    return r < 0 ? r : 0;
}

int xs_watch(const char *path, const char *token)
{
    int r = send_watch(path, token);
    if (r == 0) {
        for (unsigned i = 0; i < MAX_WATCHES; i++) {
            if (!watches[i].used) {
                strlcpy(watches[i].path, path, sizeof watches[i].path);
                strlcpy(watches[i].token, token, sizeof watches[i].token);
                watches[i].used = 1;
                break;
            }
        }
    }
    return r;
}

int xs_unwatch(const char *path, const char *token)
{
    const char *parts[] = { path, token };
    int r = request(XS_UNWATCH, 0, parts, 2, "", 0, NULL, 0);
    for (unsigned i = 0; i < MAX_WATCHES; i++) {
        if (watches[i].used && strcmp(watches[i].path, path) == 0 && strcmp(watches[i].token, token) == 0)
            watches[i].used = 0;
    }
    return r < 0 ? r : 0;
}

int xs_resume(void)
{
    if (!ring)
        return 0;                   /* the program never used xenstore */
    port = pv_start_info->store_evtchn;
    CHECK(port != 0, "start_info has no store event channel after the resume");
    CHECK_EQ(evtchn_bind_handler(port, 0, on_event, NULL), 0, "bind the new store event channel");
    watch_head = watch_tail = 0;    /* the old store's events are gone with it */
    /* As Linux's xb_init_comms on resume: what the old store wrote and we did not read (a watch
     * event after we suspended, perhaps half there in the saved page) is discarded. */
    if (ring->rsp_prod != ring->rsp_cons) {
        printf("xenstore: resume: %u response bytes of the old store discarded\n", ring->rsp_prod - ring->rsp_cons);
        ring->rsp_cons = ring->rsp_prod;
    }
    if (ring->req_prod != ring->req_cons)
        printf("xenstore: resume: the request ring is not quiescent (%u unread bytes)\n",
               ring->req_prod - ring->req_cons);
    for (unsigned i = 0; i < MAX_WATCHES; i++) {
        if (watches[i].used)
            CHECK(send_watch(watches[i].path, watches[i].token) == 0, "watch %s again", watches[i].path);
    }
    return 0;
}

int xs_transaction_start(uint32_t *tx)
{
    char id[16];
    const char *empty = "";
    int r = request(XS_TRANSACTION_START, 0, &empty, 1, "", 0, id, sizeof id);
    if (r < 0)
        return r;
    *tx = (uint32_t)strtoull_kit(id, NULL);
    CHECK(*tx != 0, "transaction id \"%s\"", id);
    return 0;
}

int xs_transaction_end(uint32_t tx, int commit)
{
    const char *how = commit ? "T" : "F";
    int r = request(XS_TRANSACTION_END, tx, &how, 1, "", 0, NULL, 0);
    return r < 0 ? r : 0;
}

static int read_watch(char *path, size_t pn, char *token, size_t tn, uint64_t timeout_ns)
{
    /* timeout 0: only what has arrived (a message begun is read to its end) */
    uint64_t deadline = guest_time_ns() + (timeout_ns ? timeout_ns : SECOND);
    while (watch_head == watch_tail) {
        struct xsd_sockmsg h;
        /* only watch events arrive while no request is outstanding */
        uint32_t cons = ring->rsp_cons, prod = ring->rsp_prod;
        barrier();
        if (cons == prod && timeout_ns == 0)
            return 0;
        if (!read_message(&h, deadline, 0))
            return 0;
        CHECK(h.type == XS_WATCH_EVENT, "unexpected message type %u with no request outstanding", h.type);
    }
    strlcpy(path, watch_q[watch_head].path, pn);
    strlcpy(token, watch_q[watch_head].token, tn);
    watch_head = (watch_head + 1) % WATCH_QUEUE;
    return 1;
}

static int read_watch_token(const char *token, char *path, size_t pn, uint64_t timeout_ns)
{
    uint64_t deadline = guest_time_ns() + timeout_ns;
    for (;;) {
        for (unsigned i = watch_head; i != watch_tail; i = (i + 1) % WATCH_QUEUE) {
            if (strcmp(watch_q[i].token, token) != 0)
                continue;
            strlcpy(path, watch_q[i].path, pn);
            /* close the gap: the events before it move up one place, in order */
            for (unsigned j = i; j != watch_head; j = (j + WATCH_QUEUE - 1) % WATCH_QUEUE)
                watch_q[j] = watch_q[(j + WATCH_QUEUE - 1) % WATCH_QUEUE];
            watch_head = (watch_head + 1) % WATCH_QUEUE;
            return 1;
        }
        /* only watch events arrive while no request is outstanding; what has
         * arrived is read even when the time is up (timeout 0: a poll) */
        uint32_t cons = ring->rsp_cons, prod = ring->rsp_prod;
        barrier();
        if (cons == prod && guest_time_ns() >= deadline)
            return 0;
        struct xsd_sockmsg h;
        if (!read_message(&h, cons == prod ? deadline : guest_time_ns() + SECOND, 0))
            return 0;
        CHECK(h.type == XS_WATCH_EVENT, "unexpected message type %u with no request outstanding", h.type);
    }
}

int xs_read_watch(char *path, size_t pn, char *token, size_t tn, uint64_t timeout_ns)
{
    enter();
    int r = read_watch(path, pn, token, tn, timeout_ns);
    leave();
    return r;
}

int xs_read_watch_token(const char *token, char *path, size_t pn, uint64_t timeout_ns)
{
    enter();
    int r = read_watch_token(token, path, pn, timeout_ns);
    leave();
    return r;
}
