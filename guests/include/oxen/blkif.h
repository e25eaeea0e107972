/*
 * blkif.h -- the block device protocol of Xen's io/blkif.h as a 32-bit guest
 * speaks it (protocol "x86_32-abi": u64 fields 4-byte aligned, so a request is
 * 108 bytes with id at 4 and seg[] at 20; a response 12 bytes). Offsets are
 * checked here against /work/shared/notes/xen-split-drivers.md §3.
 */
#ifndef OXEN_BLKIF_H
#define OXEN_BLKIF_H

#include <kit.h>
#include <oxen/xen_abi.h>
#include <oxen/ring.h>

#define BLKIF_OP_READ            0
#define BLKIF_OP_WRITE           1
#define BLKIF_OP_WRITE_BARRIER   2
#define BLKIF_OP_FLUSH_DISKCACHE 3
#define BLKIF_OP_DISCARD         5
#define BLKIF_OP_INDIRECT        6

#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define BLKIF_SECTOR_SIZE 512           /* sector_number and first/last_sect count these */

#define BLKIF_RSP_EOPNOTSUPP (-2)
#define BLKIF_RSP_ERROR      (-1)
#define BLKIF_RSP_OKAY       0

#define VDISK_CDROM     0x1
#define VDISK_REMOVABLE 0x2
#define VDISK_READONLY  0x4

#define XEN_IO_PROTO_ABI_X86_32 "x86_32-abi"

typedef uint16_t blkif_vdev_t;
typedef uint64_t blkif_sector_t;

struct blkif_request_segment {
    grant_ref_t gref;                   /* a granted frame */
    uint8_t first_sect, last_sect;      /* inclusive 512-byte sectors within it */
};

struct blkif_request {
    uint8_t operation;
    uint8_t nr_segments;                /* 0 for flush and barrier */
    blkif_vdev_t handle;
    uint64_t id;                        /* echoed in the response */
    blkif_sector_t sector_number;       /* start, in 512-byte sectors */
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkif_response {
    uint64_t id;
    uint8_t operation;
    int16_t status;
};

_Static_assert(sizeof(struct blkif_request_segment) == 8, "blkif segment");
_Static_assert(__builtin_offsetof(struct blkif_request, id) == 4, "x86_32 blkif request id");
_Static_assert(__builtin_offsetof(struct blkif_request, sector_number) == 12, "x86_32 blkif sector_number");
_Static_assert(__builtin_offsetof(struct blkif_request, seg) == 20, "x86_32 blkif seg[]");
_Static_assert(sizeof(struct blkif_request) == 108, "x86_32 blkif request");
_Static_assert(__builtin_offsetof(struct blkif_response, status) == 10, "x86_32 blkif status");
_Static_assert(sizeof(struct blkif_response) == 12, "x86_32 blkif response");

/* BLKIF_OP_INDIRECT (x86_32 layout): the segments are in indirect pages, 512
 * to a page, whose grants are in indirect_grefs[]. */
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8
#define BLKIF_SEGS_PER_INDIRECT_FRAME (4096 / sizeof(struct blkif_request_segment))

struct blkif_request_indirect {
    uint8_t operation;                  /* BLKIF_OP_INDIRECT */
    uint8_t indirect_op;                /* BLKIF_OP_READ or _WRITE */
    uint16_t nr_segments;
    uint64_t id;
    blkif_sector_t sector_number;
    blkif_vdev_t handle;
    uint16_t _pad;
    grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    uint8_t _pad2[52];                  /* to the size of a request slot */
};

_Static_assert(__builtin_offsetof(struct blkif_request_indirect, nr_segments) == 2, "x86_32 indirect nr_segments");
_Static_assert(__builtin_offsetof(struct blkif_request_indirect, id) == 4, "x86_32 indirect id");
_Static_assert(__builtin_offsetof(struct blkif_request_indirect, handle) == 20, "x86_32 indirect handle");
_Static_assert(__builtin_offsetof(struct blkif_request_indirect, indirect_grefs) == 24, "x86_32 indirect grefs");
_Static_assert(sizeof(struct blkif_request_indirect) == sizeof(struct blkif_request), "x86_32 indirect request");

DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);
_Static_assert(__CONST_RING_SIZE(blkif, 4096) == 32, "a one-page blkif ring has 32 slots");
_Static_assert(__CONST_RING_SIZE(blkif, 2 * 4096) == 64, "a two-page blkif ring has 64 slots");

#endif
