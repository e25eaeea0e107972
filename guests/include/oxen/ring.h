/*
 * ring.h -- the shared I/O ring of Xen's xen/include/public/io/ring.h, both
 * ends, for the kit's split drivers (blkfront, ringping). The one copy of the
 * ring protocol in C; the Java ends are org.oxen.io.ring (FrontRing, BackRing).
 *
 * Layout (/work/shared/notes/xen-split-drivers.md §1): a header of req_prod,
 * req_event, rsp_prod, rsp_event and 48 bytes of padding (64 in all), then
 * ring[] of __RING_SIZE slots, each a union of a request and a response,
 * rounded down to a power of two. Indexes are free-running u32; the slot is
 * idx & (size - 1). Only the frontend initialises the page (SHARED_RING_INIT).
 *
 * Barriers as ring.h: a producer copies its slots, wmb, publishes prod, then
 * mb (store->load: the new prod before reading the peer's event index) and
 * notifies iff the event index lies in (old, new]. A consumer about to sleep
 * sets its event index to cons + 1, mb, and looks again
 * (RING_FINAL_CHECK_FOR_*). On x86 wmb/rmb are compiler barriers and mb is a
 * locked add (<oxen/x86.h>). No locking: one user per end.
 *
 * DEFINE_RING_TYPES(name, req_t, rsp_t) declares union name##_sring_entry,
 * struct name##_sring (the shared page), struct name##_front_ring and
 * struct name##_back_ring (each end's private indexes).
 */
#ifndef OXEN_RING_H
#define OXEN_RING_H

#include <kit.h>

typedef uint32_t RING_IDX;

/* Round a 32-bit unsigned constant down to the nearest power of two. */
#define __RD2(_x)  (((_x) & 0x00000002) ? 0x2                  : ((_x) & 0x1))
#define __RD4(_x)  (((_x) & 0x0000000c) ? __RD2((_x)>>2)<<2    : __RD2(_x))
#define __RD8(_x)  (((_x) & 0x000000f0) ? __RD4((_x)>>4)<<4    : __RD4(_x))
#define __RD16(_x) (((_x) & 0x0000ff00) ? __RD8((_x)>>8)<<8    : __RD8(_x))
#define __RD32(_x) (((_x) & 0xffff0000) ? __RD16((_x)>>16)<<16 : __RD16(_x))

#define RING_HEADER_SIZE 64u

/* Slots in a ring of _sz bytes (a page times 2^order) for sring type _s. */
#define __CONST_RING_SIZE(_s, _sz) \
    (__RD32(((_sz) - RING_HEADER_SIZE) / sizeof(((struct _s##_sring *)0)->ring[0])))
#define __RING_SIZE(_s, _sz) \
    (__RD32(((_sz) - (long)(_s)->ring + (long)(_s)) / sizeof((_s)->ring[0])))

#define DEFINE_RING_TYPES(__name, __req_t, __rsp_t)                         \
union __name##_sring_entry {                                                \
    __req_t req;                                                            \
    __rsp_t rsp;                                                            \
};                                                                          \
struct __name##_sring {                                                     \
    RING_IDX req_prod, req_event;                                           \
    RING_IDX rsp_prod, rsp_event;                                           \
    uint8_t pvt_pad[4];                                                     \
    uint8_t __pad[44];                                                      \
    union __name##_sring_entry ring[1]; /* variable length */               \
};                                                                          \
struct __name##_front_ring {                                                \
    RING_IDX req_prod_pvt;                                                  \
    RING_IDX rsp_cons;                                                      \
    unsigned int nr_ents;                                                   \
    struct __name##_sring *sring;                                           \
};                                                                          \
struct __name##_back_ring {                                                 \
    RING_IDX rsp_prod_pvt;                                                  \
    RING_IDX req_cons;                                                      \
    unsigned int nr_ents;                                                   \
    struct __name##_sring *sring;                                           \
};                                                                          \
_Static_assert(__builtin_offsetof(struct __name##_sring, ring) == RING_HEADER_SIZE, \
               #__name " ring header is 64 bytes")

/* The frontend initialises the shared page (never the backend). */
#define SHARED_RING_INIT(_s) do {                                           \
    (_s)->req_prod = (_s)->rsp_prod = 0;                                    \
    (_s)->req_event = (_s)->rsp_event = 1;                                  \
    memset((_s)->pvt_pad, 0, sizeof((_s)->pvt_pad));                        \
    memset((_s)->__pad, 0, sizeof((_s)->__pad));                            \
} while (0)

#define FRONT_RING_ATTACH(_r, _s, _i, __size) do {                          \
    (_r)->req_prod_pvt = (_i);                                              \
    (_r)->rsp_cons = (_i);                                                  \
    (_r)->nr_ents = __RING_SIZE(_s, __size);                                \
    (_r)->sring = (_s);                                                     \
} while (0)
#define FRONT_RING_INIT(_r, _s, __size) FRONT_RING_ATTACH(_r, _s, 0, __size)

#define BACK_RING_ATTACH(_r, _s, _i, __size) do {                           \
    (_r)->rsp_prod_pvt = (_i);                                              \
    (_r)->req_cons = (_i);                                                  \
    (_r)->nr_ents = __RING_SIZE(_s, __size);                                \
    (_r)->sring = (_s);                                                     \
} while (0)
#define BACK_RING_INIT(_r, _s, __size) BACK_RING_ATTACH(_r, _s, 0, __size)

#define RING_SIZE(_r) ((_r)->nr_ents)

/* Requests the frontend may still queue. */
#define RING_FREE_REQUESTS(_r) \
    (RING_SIZE(_r) - ((_r)->req_prod_pvt - (_r)->rsp_cons))

/* The frontend has a request outstanding in every slot. */
#define RING_FULL(_r) (RING_FREE_REQUESTS(_r) == 0)

/* Responses the frontend has not taken yet. */
#define XEN_RING_NR_UNCONSUMED_RESPONSES(_r) \
    ((_r)->sring->rsp_prod - (_r)->rsp_cons)
#define RING_HAS_UNCONSUMED_RESPONSES(_r) (XEN_RING_NR_UNCONSUMED_RESPONSES(_r) != 0)

/* Requests the backend may take: bounded by the room left for their
 * responses, so a frontend running ahead cannot make it overwrite them. */
#define XEN_RING_NR_UNCONSUMED_REQUESTS(_r) ({                              \
    unsigned int req = (_r)->sring->req_prod - (_r)->req_cons;              \
    unsigned int rsp = RING_SIZE(_r) - ((_r)->req_cons - (_r)->rsp_prod_pvt); \
    req < rsp ? req : rsp;                                                  \
})
#define RING_HAS_UNCONSUMED_REQUESTS(_r) (XEN_RING_NR_UNCONSUMED_REQUESTS(_r) != 0)

/* Slots by index. */
#define RING_GET_REQUEST(_r, _idx)  (&((_r)->sring->ring[(_idx) & (RING_SIZE(_r) - 1)].req))
#define RING_GET_RESPONSE(_r, _idx) (&((_r)->sring->ring[(_idx) & (RING_SIZE(_r) - 1)].rsp))

/* A backend copies each request once before it looks at it: the frontend may
 * change the slot under it. */
#define RING_COPY_REQUEST(_r, _idx, _req) do {                              \
    *(_req) = *(volatile __typeof__(_req))RING_GET_REQUEST(_r, _idx);       \
} while (0)

/* The requests the frontend says it produced, more than the ring holds ahead
 * of our responses: a hostile frontend. */
#define RING_REQUEST_PROD_OVERFLOW(_r, _prod) \
    (((_prod) - (_r)->rsp_prod_pvt) > RING_SIZE(_r))

/* Whether the consumer already took request _cons (a backend's own check). */
#define RING_REQUEST_CONS_OVERFLOW(_r, _cons) \
    (((_cons) - (_r)->rsp_prod_pvt) >= RING_SIZE(_r))

/* Publish the queued requests; _notify says whether the backend asked to be
 * told (its req_event lies in (old, new]). */
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(_r, _notify) do {               \
    RING_IDX __old = (_r)->sring->req_prod;                                 \
    RING_IDX __new = (_r)->req_prod_pvt;                                    \
    wmb(); /* the backend sees requests before the updated producer index */\
    (_r)->sring->req_prod = __new;                                          \
    mb();  /* the backend sees the new requests before we read req_event */ \
    (_notify) = ((RING_IDX)(__new - (_r)->sring->req_event) <              \
                 (RING_IDX)(__new - __old));                                \
} while (0)

#define RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(_r, _notify) do {              \
    RING_IDX __old = (_r)->sring->rsp_prod;                                 \
    RING_IDX __new = (_r)->rsp_prod_pvt;                                    \
    wmb(); /* the frontend sees responses before the updated producer index */\
    (_r)->sring->rsp_prod = __new;                                          \
    mb();  /* the frontend sees the new responses before we read rsp_event */\
    (_notify) = ((RING_IDX)(__new - (_r)->sring->rsp_event) <              \
                 (RING_IDX)(__new - __old));                                \
} while (0)

/* Before the backend sleeps: ask for a kick at the next request, then look
 * again (a request published between the first look and req_event's store
 * would otherwise be slept on). */
#define RING_FINAL_CHECK_FOR_REQUESTS(_r, _work_to_do) do {                 \
    (_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                       \
    if (_work_to_do) break;                                                 \
    (_r)->sring->req_event = (_r)->req_cons + 1;                            \
    mb();                                                                   \
    (_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                       \
} while (0)

/* Before the frontend sleeps: the same for responses. */
#define RING_FINAL_CHECK_FOR_RESPONSES(_r, _work_to_do) do {                \
    (_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                      \
    if (_work_to_do) break;                                                 \
    (_r)->sring->rsp_event = (_r)->rsp_cons + 1;                            \
    mb();                                                                   \
    (_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                      \
} while (0)

#endif
