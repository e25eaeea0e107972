/*
 * xenbus.c -- the kit's xenbus frontend helper (see <oxen/xenbus.h>), after
 * Mini-OS's xenbus.c: xenbus_read_integer, xenbus_printf, xenbus_switch_state
 * (read the node, then write it) and xenbus_wait_for_state_change (a watch on
 * the backend's state node, woken by its events).
 */
#include <oxen/pv.h>
#include <oxen/xenstore.h>
#include <oxen/xenbus.h>

#define SECOND 1000000000ull

static void join(char *buf, size_t n, const char *dir, const char *key)
{
    CHECK((size_t)snprintf(buf, n, "%s/%s", dir, key) < n, "xenbus: path %s/%s too long", dir, key);
}

int xenbus_read_u64(uint32_t tx, const char *dir, const char *key, uint64_t *val)
{
    char path[192], buf[32];
    join(path, sizeof path, dir, key);
    int r = xs_read(tx, path, buf, sizeof buf);
    if (r < 0)
        return r;
    const char *end;
    if (buf[0] < '0' || buf[0] > '9')
        return -1;
    *val = strtoull_kit(buf, &end);
    return *end == 0 || (*end == '\n' && end[1] == 0) ? 0 : -1;
}

int xenbus_printf(uint32_t tx, const char *dir, const char *key, const char *fmt, ...)
{
    char path[192], value[128];
    va_list ap;
    join(path, sizeof path, dir, key);
    va_start(ap, fmt);
    int n = vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    CHECK(n >= 0 && (size_t)n < sizeof value, "xenbus: value of %s too long", path);
    return xs_write(tx, path, value);
}

int xenbus_device_init(struct xenbus_device *dev, const char *node, uint64_t timeout_ns)
{
    char path[192], fired[192];
    memset(dev, 0, sizeof *dev);
    CHECK(strlen(node) < sizeof dev->node, "xenbus: node %s too long", node);
    strlcpy(dev->node, node, sizeof dev->node);

    /* the toolstack may make the directory after we boot: wait for backend */
    join(path, sizeof path, node, "backend");
    CHECK(xs_watch(path, node) == 0, "xenbus: watch %s: %s", path, xs_error());
    uint64_t deadline = guest_time_ns() + timeout_ns;
    int r;
    while ((r = xs_read(0, path, dev->backend, sizeof dev->backend)) < 0) {
        uint64_t now = guest_time_ns();
        if (now >= deadline) {
            printf("xenbus: %s: no backend node (%s)\n", node, xs_error());
            xs_unwatch(path, node);
            return -1;
        }
        xs_read_watch_token(node, fired, sizeof fired, deadline - now);
    }
    CHECK(xs_unwatch(path, node) == 0, "xenbus: unwatch %s: %s", path, xs_error());
    while (xs_read_watch_token(node, fired, sizeof fired, 0))
        ;                           /* the events of that watch */
    CHECK(r > 0 && dev->backend[0] == '/', "xenbus: %s: backend \"%s\" is not an absolute path", node, dev->backend);

    uint64_t id;
    if (xenbus_read_u64(0, node, "backend-id", &id) != 0 || id >= DOMID_FIRST_RESERVED) {
        printf("xenbus: %s: no valid backend-id\n", node);
        return -1;
    }
    dev->backend_id = (domid_t)id;
    join(path, sizeof path, dev->backend, "state");
    CHECK(xs_watch(path, node) == 0, "xenbus: watch %s: %s", path, xs_error());
    return 0;
}

void xenbus_device_release(struct xenbus_device *dev)
{
    char path[192], fired[192];
    join(path, sizeof path, dev->backend, "state");
    xs_unwatch(path, dev->node);
    while (xs_read_watch_token(dev->node, fired, sizeof fired, 0))
        ;
}

int xenbus_switch_state(uint32_t tx, struct xenbus_device *dev, enum xenbus_state state)
{
    char path[192], cur[8];
    join(path, sizeof path, dev->node, "state");
    int r = xs_read(tx, path, cur, sizeof cur);
    if (r < 0)
        return r;
    return xenbus_printf(tx, dev->node, "state", "%u", (unsigned)state);
}

enum xenbus_state xenbus_backend_state(struct xenbus_device *dev)
{
    uint64_t v;
    if (xenbus_read_u64(0, dev->backend, "state", &v) != 0 || v > XenbusStateReconfigured)
        return XenbusStateUnknown;
    return (enum xenbus_state)v;
}

int xenbus_wait_backend_state(struct xenbus_device *dev, unsigned mask, uint64_t timeout_ns,
                              enum xenbus_state *last)
{
    char fired[192];
    uint64_t deadline = guest_time_ns() + timeout_ns;
    for (;;) {
        enum xenbus_state s = xenbus_backend_state(dev);
        if (last)
            *last = s;
        if (mask & XENBUS_STATE_BIT(s))
            return (int)s;
        uint64_t now = guest_time_ns();
        if (now >= deadline)
            return -1;
        xs_read_watch_token(dev->node, fired, sizeof fired, deadline - now);
    }
}

int xenbus_backend_changed(struct xenbus_device *dev)
{
    char fired[192];
    int changed = 0;
    while (xs_read_watch_token(dev->node, fired, sizeof fired, 0))
        changed = 1;
    return changed;
}
