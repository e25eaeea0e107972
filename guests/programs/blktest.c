/*
 * blktest -- writes patterns across a virtual disk through the kit's blkfront,
 * reads them back and verifies them. PV only.
 *
 * Command line: [node=device/vbd/768] [mib=N] (default: the whole disk)
 * [chunk=KiB] (bytes per request, 4..40, default 32) [depth=N] (requests in
 * flight, 1..16, default 8) [seed=S] [passes=N] (default 1) [mode=both|write|verify].
 *
 * Each pass (seed + pass number) writes every 512-byte sector of the first
 * mib MiB with a pattern naming the sector and the seed, flushes
 * (FLUSH_DISKCACHE, or WRITE_BARRIER, when the backend offers one), then reads
 * everything back and checks every word; mode=write stops after the flush,
 * mode=verify only reads (data an earlier run wrote). Requests are pipelined
 * depth deep; every response must be BLKIF_RSP_OKAY. If the backend goes away
 * meanwhile, blkfront reconnects and resubmits what was in flight (a backend
 * hot-swap), so the verification also shows nothing was lost. Prints MiB/s of
 * guest time per phase and blkfront's counts (requests, resubmitted,
 * reconnects).
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/xenstore.h>
#include <oxen/blkfront.h>

#define SECOND 1000000000ull
#define MAX_DEPTH 16
#define MAX_CHUNK (40 * 1024)

struct slot {
    struct blkfront_request req;
    volatile int busy, complete;
    int status;
};

static uint8_t buffers[MAX_DEPTH][MAX_CHUNK] ALIGNED(4096);
static struct slot slots[MAX_DEPTH];
static struct blkfront bf;

static inline uint32_t pattern(uint32_t seed, uint32_t sector, uint32_t word)
{
    if (word == 0)
        return sector;
    if (word == 1)
        return seed;
    uint32_t x = sector * 0x9E3779B1u ^ word * 0x85EBCA77u ^ seed * 0xC2B2AE3Du;
    return x ^ (x >> 15);
}

static void fill(uint8_t *buf, uint32_t seed, uint64_t sector, uint32_t bytes)
{
    uint32_t *w = (uint32_t *)buf;
    for (uint32_t s = 0; s < bytes / 512; s++)
        for (uint32_t i = 0; i < 128; i++)
            *w++ = pattern(seed, (uint32_t)sector + s, i);
}

static void verify(const uint8_t *buf, uint32_t seed, uint64_t sector, uint32_t bytes)
{
    const uint32_t *w = (const uint32_t *)buf;
    for (uint32_t s = 0; s < bytes / 512; s++)
        for (uint32_t i = 0; i < 128; i++, w++)
            if (*w != pattern(seed, (uint32_t)sector + s, i))
                fail("sector %u word %u: read %#x, wrote %#x (seed %u)", (uint32_t)sector + s, i, *w,
                     pattern(seed, (uint32_t)sector + s, i), seed);
}

static void on_done(struct blkfront_request *req, int status)
{
    struct slot *sl = req->data;
    sl->status = status;
    sl->complete = 1;
}

/* Every chunk of [0, bytes) once, depth requests in flight; reads are verified. */
static void run(uint8_t op, uint32_t seed, uint64_t bytes, uint32_t chunk, uint32_t depth)
{
    uint64_t next = 0, done = 0;
    uint64_t t0 = guest_time_ns();
    while (done < bytes) {
        for (uint32_t i = 0; i < depth && next < bytes; i++) {
            struct slot *sl = &slots[i];
            if (sl->busy)
                continue;
            uint32_t n = bytes - next < chunk ? (uint32_t)(bytes - next) : chunk;
            sl->req = (struct blkfront_request){ .op = op, .sector = next / 512, .buf = buffers[i], .bytes = n,
                                                 .done = on_done, .data = sl };
            if (op == BLKIF_OP_WRITE)
                fill(buffers[i], seed, next / 512, n);
            int rc = blkfront_submit(&bf, &sl->req);
            if (rc == -XEN_EAGAIN)
                break;
            CHECK_EQ(rc, 0, "submit");
            sl->busy = 1;
            sl->complete = 0;
            next += n;
        }
        blkfront_push(&bf);
        blkfront_wait(&bf, 60 * SECOND);
        for (uint32_t i = 0; i < depth; i++) {
            struct slot *sl = &slots[i];
            if (!sl->busy || !sl->complete)
                continue;
            CHECK(sl->status == BLKIF_RSP_OKAY, "%s of sector %u: status %d", op == BLKIF_OP_WRITE ? "write" : "read",
                  (uint32_t)sl->req.sector, sl->status);
            if (op == BLKIF_OP_READ)
                verify(buffers[i], seed, sl->req.sector, sl->req.bytes);
            done += sl->req.bytes;
            sl->busy = 0;
        }
    }
    uint64_t dt = guest_time_ns() - t0;
    printf("blktest: %s %u KiB in %u ms: %u KiB/s (seed %u)\n", op == BLKIF_OP_WRITE ? "wrote" : "read and verified",
           (uint32_t)(bytes >> 10), (uint32_t)(dt / 1000000), dt ? (uint32_t)((bytes >> 10) * SECOND / dt) : 0, seed);
}

void guest_main(void)
{
    char node[64] = "device/vbd/768", mode[8] = "both";
    cmdline_get("node", node, sizeof node);
    cmdline_get("mode", mode, sizeof mode);
    int do_write = strcmp(mode, "verify") != 0, do_read = strcmp(mode, "write") != 0;
    CHECK(strcmp(mode, "both") == 0 || strcmp(mode, "write") == 0 || strcmp(mode, "verify") == 0,
          "mode=%s: expected both, write or verify", mode);
    uint32_t chunk = cmdline_u32("chunk", 32) * 1024;
    uint32_t depth = cmdline_u32("depth", 8);
    uint32_t seed = cmdline_u32("seed", 1);
    uint32_t passes = cmdline_u32("passes", 1);
    CHECK(chunk >= 4096 && chunk <= MAX_CHUNK && chunk % 4096 == 0, "chunk=%u KiB: 4..40, a multiple of 4",
          chunk / 1024);
    CHECK(depth >= 1 && depth <= MAX_DEPTH, "depth=%u: 1..%u", depth, MAX_DEPTH);

    irq_disable();                      /* events arrive while waiting in cpu_idle */
    xs_init();
    CHECK(blkfront_init(&bf, node, 30 * SECOND) == 0, "no disk at %s", node);
    uint64_t disk = bf.sectors * 512;
    uint64_t bytes = (uint64_t)cmdline_u32("mib", (uint32_t)(disk >> 20)) << 20;
    CHECK(bytes > 0 && bytes <= disk, "mib=%u: the disk has %u MiB", (uint32_t)(bytes >> 20), (uint32_t)(disk >> 20));
    CHECK(!do_write || !bf.readonly, "the disk is read-only");

    /* refusals blkfront makes itself */
    static uint8_t probe[4096] ALIGNED(4096);
    struct blkfront_request bad = { .op = BLKIF_OP_READ, .sector = bf.sectors, .buf = probe, .bytes = 512 };
    CHECK_EQ(blkfront_submit(&bf, &bad), -XEN_EINVAL, "a read past the end");
    bad.sector = 0;
    bad.buf = probe + 1;
    CHECK_EQ(blkfront_submit(&bf, &bad), -XEN_EINVAL, "a misaligned buffer");

    for (uint32_t p = 0; p < passes; p++) {
        if (do_write) {
            run(BLKIF_OP_WRITE, seed + p, bytes, chunk, depth);
            CHECK_EQ(blkfront_flush(&bf), BLKIF_RSP_OKAY, "flush");
        }
        if (do_read)
            run(BLKIF_OP_READ, seed + p, bytes, chunk, depth);
    }
    printf("blktest: %u requests, %u resubmitted, %u reconnects, %u kicks; %s\n", bf.submitted, bf.resubmitted,
           bf.reconnects, bf.kicks, bf.feature_flush ? "flush-cache" : bf.feature_barrier ? "barrier" : "no flush");
    blkfront_shutdown(&bf);
    pass();
}
