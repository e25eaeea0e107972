/*
 * xenbus.h -- the kit's xenbus frontend helper (lib/pv/xenbus.c) over the
 * xenstore client, as Mini-OS's xenbus.c serves its frontends: read the
 * device's backend, switch the frontend's state, wait for the backend's. PV only.
 *
 * A device is the frontend directory the toolstack made (relative to
 * /local/domain/<own id>, e.g. "device/vbd/768") holding backend, backend-id
 * and state (io/xenbus.h, /work/shared/notes/xen-split-drivers.md §2). The
 * helper watches <backend>/state with the node as its token, so each device's
 * events are its own (other watches stay queued for their owners).
 */
#ifndef OXEN_XENBUS_H
#define OXEN_XENBUS_H

#include <kit.h>
#include <oxen/xen_abi.h>

enum xenbus_state {
    XenbusStateUnknown = 0,
    XenbusStateInitialising = 1,
    XenbusStateInitWait = 2,
    XenbusStateInitialised = 3,
    XenbusStateConnected = 4,
    XenbusStateClosing = 5,
    XenbusStateClosed = 6,
    XenbusStateReconfiguring = 7,
    XenbusStateReconfigured = 8,
};

struct xenbus_device {
    char node[64];                  /* the frontend directory, relative */
    char backend[128];              /* the backend directory, absolute */
    domid_t backend_id;
};

/* Waits up to timeout_ns for the toolstack's frontend directory (node/backend,
 * watched, so a device made after boot is found too), reads backend and
 * backend-id and watches <backend>/state. 0, or -1 with a message printed. */
int xenbus_device_init(struct xenbus_device *dev, const char *node, uint64_t timeout_ns);
/* Unwatches the backend's state. */
void xenbus_device_release(struct xenbus_device *dev);

/* dir/key as an integer (decimal; a trailing newline allowed). 0, or XS_ERR
 * (xs_error(): ENOENT, ...), or -1 for a value that is not a number. */
int xenbus_read_u64(uint32_t tx, const char *dir, const char *key, uint64_t *val);
/* dir/key = the printf-formatted value. 0 or XS_ERR. */
int xenbus_printf(uint32_t tx, const char *dir, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The frontend's state node = state (Mini-OS reads it first: the toolstack
 * made it, so a missing node is an error). 0 or XS_ERR. */
int xenbus_switch_state(uint32_t tx, struct xenbus_device *dev, enum xenbus_state state);
/* The backend's state now (XenbusStateUnknown if it cannot be read). */
enum xenbus_state xenbus_backend_state(struct xenbus_device *dev);
/* Waits up to timeout_ns until the backend's state is one of mask
 * (XENBUS_STATE_BIT(s) | ...); returns it, or -1 on timeout (with the last
 * state seen in *last if not NULL). */
#define XENBUS_STATE_BIT(s) (1u << (s))
int xenbus_wait_backend_state(struct xenbus_device *dev, unsigned mask, uint64_t timeout_ns,
                              enum xenbus_state *last);
/* Whether an event of the device's watch arrived since the last call or wait
 * (never waits): the backend's state may have changed. */
int xenbus_backend_changed(struct xenbus_device *dev);

#endif
