/*
 * xenstore -- the kit's xenstore client against oxen's xenstored, over the
 * store ring and event channel of start_info. PV only.
 *
 * Checks, each against xenstored's answer: the toolstack's nodes (domid,
 * name, vm, memory/target, control/shutdown), GET_DOMAIN_PATH, write/read/
 * mkdir/directory/rm in its own subtree, the permissions (its read-only and
 * Domain-0's nodes: EACCES), errors (ENOENT, EINVAL), a watch with its
 * initial event and an event per change, a transaction that commits, and one
 * with a forced conflict (a write outside it) that ends in EAGAIN and
 * succeeds on retry.
 *
 * Command line: bench=N (N reads and N writes timed, printed as ops/s);
 * quota=1 (fills its node quota: ENOSPC, then removes what it wrote);
 * flood=N (N requests written back to back without reading a reply, then
 * the N replies read and checked in order);
 * hostile=oversized|nonul|unknown|badtx|overflow (one malformed message; for
 * oversized and overflow the ring is dropped and the program reports it);
 * hostile=storepage (gives its store page back, pins it as an L1: both refused
 * while xenstored maps it).
 */
#include <oxen/pv.h>
#include <oxen/xenstore.h>

#define SECOND 1000000000ull

static char buf[4096];

static void expect_error(int r, const char *err, const char *what)
{
    CHECK(r == XS_ERR, "%s: succeeded (%d), expected %s", what, r, err);
    CHECK(strcmp(xs_error(), err) == 0, "%s: got %s, expected %s", what, xs_error(), err);
    printf("xenstore: %s -> %s\n", what, err);
}

static void expect_watch(const char *path, const char *token)
{
    char p[256], t[64];
    CHECK(xs_read_watch(p, sizeof p, t, sizeof t, 5 * SECOND), "no watch event for %s", path);
    CHECK(strcmp(p, path) == 0 && strcmp(t, token) == 0, "watch event %s/%s, expected %s/%s", p, t, path, token);
}

static void bench(uint32_t n)
{
    char v[32];
    CHECK_EQ(xs_write(0, "data/bench", "x"), 0, "bench node");
    uint64_t t0 = guest_time_ns();
    for (uint32_t i = 0; i < n; i++)
        CHECK(xs_read(0, "data/bench", v, sizeof v) >= 0, "bench read %u: %s", i, xs_error());
    uint64_t t1 = guest_time_ns();
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ(xs_write(0, "data/bench", "x"), 0, "bench write");
    uint64_t t2 = guest_time_ns();
    printf("xenstore: bench %u reads %llu ops/s, %u writes %llu ops/s\n", n,
           (unsigned long long)((uint64_t)n * SECOND / (t1 - t0 ? t1 - t0 : 1)), n,
           (unsigned long long)((uint64_t)n * SECOND / (t2 - t1 ? t2 - t1 : 1)));
}

static void fill_quota(void)
{
    char path[64];
    uint32_t i;
    for (i = 0; i < 2000; i++) {
        snprintf(path, sizeof path, "data/q/n%u", i);
        if (xs_write(0, path, "v") != 0)
            break;
    }
    CHECK(i < 2000, "2000 nodes written: no quota");
    CHECK(strcmp(xs_error(), "ENOSPC") == 0, "node %u refused with %s, expected ENOSPC", i, xs_error());
    printf("xenstore: quota reached after %u nodes: ENOSPC\n", i);
    /* a value over the 2048-byte limit */
    static char big[3000];
    memset(big, 'v', sizeof big - 1);
    expect_error(xs_write(0, "data/big", big), "ENOSPC", "2999-byte value");
    CHECK_EQ(xs_rm(0, "data/q"), 0, "remove data/q");
    CHECK_EQ(xs_write(0, "data/after", "ok"), 0, "write after freeing the quota");
}

static void flood(uint32_t n)
{
    /* n requests written back to back without reading a reply: xenstored
     * serves them a budget at a time and queues the replies we leave unread */
    static const char req[] = "domid";
    for (uint32_t i = 0; i < n; i++) {
        struct xsd_sockmsg h = { XS_READ, 1000 + i, 0, sizeof req };
        CHECK(xs_raw_bytes(&h, sizeof h) == sizeof h && xs_raw_bytes(req, sizeof req) == sizeof req,
              "flood request %u did not fit in 10 s", i);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id, type;
        int len = xs_raw_reply(&id, &type, 10 * SECOND);
        CHECK(len > 0, "flood reply %u missing", i);
        CHECK(id == 1000 + i && type == XS_READ, "flood reply %u: req_id %u type %u", i, id, type);
    }
    printf("xenstore: flood of %u requests answered in order\n", n);
}

static void hostile(const char *what)
{
    uint32_t rtype;
    char reply[64];
    if (strcmp(what, "unknown") == 0) {
        int r = xs_raw(99, 0, "x", 2, &rtype, reply, sizeof reply);
        CHECK(rtype == XS_ERROR && r == 7 && strcmp(reply, "ENOSYS") == 0, "type 99: %u %s", rtype, reply);
        printf("xenstore: hostile unknown type -> %s\n", reply);
    } else if (strcmp(what, "nonul") == 0) {
        xs_raw(XS_READ, 0, "domid", 5, &rtype, reply, sizeof reply);
        CHECK(rtype == XS_ERROR && strcmp(reply, "EINVAL") == 0, "missing NUL: %u %s", rtype, reply);
        printf("xenstore: hostile missing NUL -> %s\n", reply);
    } else if (strcmp(what, "badtx") == 0) {
        xs_raw(XS_READ, 4242, "domid", 6, &rtype, reply, sizeof reply);
        CHECK(rtype == XS_ERROR && strcmp(reply, "ENOENT") == 0, "unknown transaction: %u %s", rtype, reply);
        printf("xenstore: hostile unknown transaction -> %s\n", reply);
    } else if (strcmp(what, "oversized") == 0) {
        struct xsd_sockmsg h = { XS_READ, 77, 0, 5000 };
        CHECK(xs_raw_bytes(&h, sizeof h) == sizeof h, "header did not fit");
        uint64_t end = guest_time_ns() + 5 * SECOND;
        while (xs_ring()->error == 0 && guest_time_ns() < end)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        CHECK_EQ(xs_ring()->error, 3, "ring error after a 5000-byte header (XENSTORE_ERROR_PROTO)");
        printf("xenstore: hostile oversized len -> ring error %u\n", xs_ring()->error);
    } else if (strcmp(what, "overflow") == 0) {
        xs_ring()->req_prod = xs_ring()->req_cons + 5000;
        evtchn_send(xs_port());
        uint64_t end = guest_time_ns() + 5 * SECOND;
        while (xs_ring()->error == 0 && guest_time_ns() < end)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        CHECK_EQ(xs_ring()->error, 2, "ring error after req_prod ran 5000 ahead (XENSTORE_ERROR_RINGIDX)");
        printf("xenstore: hostile producer overflow -> ring error %u\n", xs_ring()->error);
    } else if (strcmp(what, "storepage") == 0) {
        /* xenstored holds the store page: it cannot be given back nor become a page table */
        uint32_t mfn = pv_start_info->store_mfn;
        domid_t self = DOMID_SELF;
        long before = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
        uint32_t list[1] = { mfn };
        struct xen_memory_reservation r = { (uint32_t)list, 1, 0, 0, DOMID_SELF };
        long rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
        CHECK(rc == 0, "decrease_reservation of the store page gave back %ld extents", rc);
        CHECK_EQ(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), before, "reservation");
        CHECK_EQ(pv_set_page_writable(xs_ring(), 0), 0, "map the store page read-only");
        rc = pv_mmuext(MMUEXT_PIN_L1_TABLE, mfn, 0);
        CHECK(rc < 0, "the store page was pinned as an L1 table (%ld)", rc);
        CHECK_EQ(pv_set_page_writable(xs_ring(), 1), 0, "map the store page writable again");
        CHECK(xs_read(0, "domid", reply, sizeof reply) > 0, "xenstore after the attempts: %s", xs_error());
        printf("xenstore: hostile store page: not given back, not pinned (%ld); xenstore still answers\n", rc);
    } else {
        fail("hostile=%s: unknown attack", what);
    }
}

void guest_main(void)
{
    char v[256], vm[128];
    irq_disable();
    xs_init();
    printf("xenstore: store mfn %#x port %u features %#x\n", pv_start_info->store_mfn, xs_port(),
           xs_ring()->server_features);

    char what[16];
    if (cmdline_get("hostile", what, sizeof what)) {
        hostile(what);
        pass();
    }

    /* the toolstack's nodes */
    CHECK(xs_read(0, "domid", v, sizeof v) > 0, "read domid: %s", xs_error());
    uint32_t domid = (uint32_t)strtoull_kit(v, NULL);
    printf("xenstore: domid %u\n", domid);
    char expect[64];
    snprintf(expect, sizeof expect, "/local/domain/%u", domid);
    CHECK(xs_get_domain_path(domid, v, sizeof v) > 0 && strcmp(v, expect) == 0, "domain path %s", v);
    CHECK(xs_read(0, "name", v, sizeof v) > 0, "read name: %s", xs_error());
    printf("xenstore: name %s\n", v);
    CHECK(xs_read(0, "memory/target", v, sizeof v) > 0, "read memory/target: %s", xs_error());
    CHECK_EQ(strtoull_kit(v, NULL), guest_mem_bytes() >> 10, "memory/target (KiB)");
    CHECK(xs_read(0, "control/shutdown", v, sizeof v) == 0, "control/shutdown is \"%s\", not empty", v);
    CHECK(xs_read(0, "vm", vm, sizeof vm) > 0, "read vm: %s", xs_error());
    snprintf(expect, sizeof expect, "%s/name", vm);
    CHECK(xs_read(0, expect, v, sizeof v) > 0, "read %s: %s", expect, xs_error());

    /* permissions */
    expect_error(xs_write(0, "name", "renamed"), "EACCES", "write own read-only name");
    expect_error(xs_write(0, "/tool/poke", "x"), "EACCES", "write /tool");
    expect_error(xs_read(0, "/vm", v, sizeof v), "EACCES", "read /vm");
    expect_error(xs_write(0, "/local/domain/0/poke", "x"), "EACCES", "write Domain-0's node");
    /* errors */
    expect_error(xs_read(0, "data/missing", v, sizeof v), "ENOENT", "read a missing node");
    expect_error(xs_write(0, "data/bad path", "x"), "EINVAL", "write a path with a space");

    /* nodes of its own */
    CHECK_EQ(xs_write(0, "data/greeting", "hello from the guest"), 0, "write data/greeting");
    CHECK(xs_read(0, "data/greeting", v, sizeof v) == 20 && strcmp(v, "hello from the guest") == 0,
          "read back data/greeting: %s", v);
    CHECK_EQ(xs_write(0, "data/deep/er/node", "1"), 0, "write with missing parents");
    CHECK_EQ(xs_mkdir(0, "data/dir"), 0, "mkdir data/dir");
    size_t len;
    int n = xs_directory(0, "data", buf, sizeof buf, &len);
    CHECK_EQ(n, 3, "children of data");
    printf("xenstore: directory data: %s %s %s\n", buf, buf + strlen(buf) + 1,
           buf + strlen(buf) + 1 + strlen(buf + strlen(buf) + 1) + 1);
    CHECK_EQ(xs_rm(0, "data/deep"), 0, "rm data/deep");
    expect_error(xs_read(0, "data/deep/er/node", v, sizeof v), "ENOENT", "read a removed node");

    /* watches: the initial event, then one per change */
    CHECK_EQ(xs_watch("data/w", "tok"), 0, "watch data/w");
    expect_watch("data/w", "tok");
    CHECK_EQ(xs_write(0, "data/w", "1"), 0, "write data/w");
    expect_watch("data/w", "tok");
    CHECK_EQ(xs_write(0, "data/w/child", "2"), 0, "write data/w/child");
    expect_watch("data/w/child", "tok");
    expect_error(xs_watch("data/w", "tok"), "EEXIST", "the same watch twice");
    CHECK_EQ(xs_unwatch("data/w", "tok"), 0, "unwatch");
    printf("xenstore: watch: initial event and 2 changes\n");

    /* transactions: one that commits, one with a forced conflict */
    uint32_t tx;
    CHECK_EQ(xs_transaction_start(&tx), 0, "transaction start");
    CHECK_EQ(xs_write(tx, "data/tx", "one"), 0, "write in transaction");
    CHECK(xs_read(0, "data/tx", v, sizeof v) == XS_ERR, "a transaction's write is visible outside it");
    CHECK_EQ(xs_transaction_end(tx, 1), 0, "commit");
    CHECK(xs_read(0, "data/tx", v, sizeof v) == 3 && strcmp(v, "one") == 0, "after commit: %s", v);

    int attempts = 0, conflicts = 0;
    for (;;) {
        attempts++;
        CHECK_EQ(xs_transaction_start(&tx), 0, "transaction start");
        CHECK(xs_read(tx, "data/tx", v, sizeof v) >= 0, "read in transaction: %s", xs_error());
        CHECK_EQ(xs_write(tx, "data/tx", "two"), 0, "write in transaction");
        if (attempts == 1)
            CHECK_EQ(xs_write(0, "data/tx", "meanwhile"), 0, "the conflicting write");
        int r = xs_transaction_end(tx, 1);
        if (r == 0)
            break;
        CHECK(strcmp(xs_error(), "EAGAIN") == 0, "commit: %s", xs_error());
        conflicts++;
        printf("xenstore: transaction conflict -> EAGAIN, retrying\n");
        CHECK(attempts < 5, "5 attempts");
    }
    CHECK_EQ(conflicts, 1, "conflicts");
    CHECK(xs_read(0, "data/tx", v, sizeof v) == 3 && strcmp(v, "two") == 0, "after retry: %s", v);
    expect_error(xs_transaction_end(tx, 1), "ENOENT", "end a finished transaction");
    printf("xenstore: transaction committed after %d attempts\n", attempts);

    if (cmdline_u32("quota", 0))
        fill_quota();
    uint32_t f = cmdline_u32("flood", 0);
    if (f)
        flood(f);
    uint32_t b = cmdline_u32("bench", 0);
    if (b)
        bench(b);
    pass();
}
