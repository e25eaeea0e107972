/*
 * blktest -- writes patterns across a virtual disk through the kit's blkfront,
 * reads them back and verifies them. A PV kernel, or a native one run as an
 * HVM domain (type = "hvm"): then blkfront runs on Xen's HVM platform
 * interface (lib/native/pvhvm.c) and grants its pages by GFN.
 *
 * Command line: [node=device/vbd/768] [mib=N] (default: the whole disk)
 * [chunk=KiB] (bytes per request, 4..128, default 32) [depth=N] (requests in
 * flight, 1..256, default 8; depth x chunk at most 4 MiB) [seed=S] [passes=N] (default 1; 0: until the
 * toolstack asks for a poweroff through control/shutdown, checked between
 * passes; a suspend -- xl save, xl migrate -- is answered at once, while it
 * waits for the disk, and blkfront resubmits what was in flight to the new
 * domain's backend) [mode=both|write|verify] [sync=KiB] (during writes, every KiB
 * written: wait for them, flush, then print "blktest: durable N KiB") [check=0]
 * (no patterns: the buffers go as they are and reads are not checked, for
 * throughput) [order=seq|random] (random: every chunk once, in a permuted
 * order; the chunk count must be a power of two) [persistent=0] [indirect=0]
 * [merge=0] [ring=1] (blkfront without persistent grants, indirect requests,
 * back merges, or with a one-page ring: to measure what each brings).
 *
 * Each pass (seed + pass number) writes every 512-byte sector of the first
 * mib MiB with a pattern naming the sector and the seed, flushes
 * (FLUSH_DISKCACHE, or WRITE_BARRIER, when the backend offers one), then reads
 * everything back and checks every word; mode=write stops after the flush,
 * mode=verify only reads (data an earlier run wrote). Requests are pipelined
 * depth deep; every response must be BLKIF_RSP_OKAY. If the backend goes away
 * meanwhile, blkfront reconnects and resubmits what was in flight (a backend
 * hot-swap), so the verification also shows nothing was lost. Prints KiB/s of
 * guest time per phase (a write phase's ends with its flush) and blkfront's
 * counts (requests, responses taken, resubmitted, reconnects, kicks, sleeps
 * waiting for the backend and their time, ring requests made and requests
 * merged into them).
 */
#include <kit.h>
#include <oxen/pv.h>
#ifdef GUEST_NATIVE
#include <oxen/xenhvm.h>
#define HVM_EVENT_IRQ 11                /* the platform device's INTx, routed as a BIOS does */
#endif
#include <oxen/xenstore.h>
#include <oxen/blkfront.h>

#define SECOND 1000000000ull
#define MAX_DEPTH 256
#define MAX_CHUNK (128 * 1024)
#define ARENA (4 * 1024 * 1024)      /* 32 x 128 KiB in flight; within blkfront's persistent frames */

struct slot {
    struct blkfront_request req;
    volatile int busy, complete;
    int status;
};

/* Not cleared by head.S (as blkfront's rings): a PV domain's memory comes zeroed,
 * so with check=0 the first write pass sends zeros, and every other use fills
 * a buffer before it is sent. */
static uint8_t arena[ARENA] ALIGNED(4096) __attribute__((section(".bss.noclear")));
static uint8_t *buffers[MAX_DEPTH];     /* slot i's: arena + i * chunk */
static struct slot slots[MAX_DEPTH];
static struct blkfront bf;
static int checked = 1;                 /* check=0: no patterns */
static int random_order;                /* order=random */
static uint32_t sync_bytes;             /* sync=KiB, 0: one flush after the pass */

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

/* The chunk of request number i: i, or (order=random) the next value of a
 * full-period LCG modulo n (a power of two), so every chunk comes once. */
static uint32_t lcg_state;
static uint64_t next_chunk(uint64_t i, uint64_t n)
{
    if (!random_order)
        return i;
    if (i == 0)
        lcg_state = 0;
    lcg_state = (lcg_state * 1664525u + 1013904223u) & (uint32_t)(n - 1);
    return lcg_state;
}

/* Waits until every slot's request has completed, checking each as run() does. */
static uint64_t reap(uint8_t op, uint32_t seed, uint32_t depth, int all)
{
    uint64_t bytes = 0;
    for (;;) {
        int busy = 0;
        for (uint32_t i = 0; i < depth; i++) {
            struct slot *sl = &slots[i];
            if (!sl->busy)
                continue;
            if (!sl->complete) {
                busy = 1;
                continue;
            }
            CHECK(sl->status == BLKIF_RSP_OKAY, "%s of sector %u: status %d", op == BLKIF_OP_WRITE ? "write" : "read",
                  (uint32_t)sl->req.sector, sl->status);
            if (op == BLKIF_OP_READ && checked)
                verify(buffers[i], seed, sl->req.sector, sl->req.bytes);
            bytes += sl->req.bytes;
            sl->busy = 0;
        }
        if (!all || !busy)
            return bytes;
        blkfront_wait(&bf, 60 * SECOND);
    }
}

/* Every chunk of [0, bytes) once, depth requests in flight; reads are verified.
 * Writes end with a flush (inside the time printed); with sync, also every
 * sync_bytes: the writes so far completed, then a flush, then "durable" printed
 * (what a crash must not lose). */
static void run(uint8_t op, uint32_t seed, uint64_t bytes, uint32_t chunk, uint32_t depth)
{
    uint64_t next = 0, done = 0, nchunks = (bytes + chunk - 1) / chunk, issued = 0;
    uint64_t t0 = guest_time_ns();
    while (done < bytes) {
        uint64_t barrier = op == BLKIF_OP_WRITE && sync_bytes ? (next / sync_bytes + 1) * sync_bytes : bytes;
        for (uint32_t i = 0; i < depth && next < bytes && next < barrier; i++) {
            struct slot *sl = &slots[i];
            if (sl->busy)
                continue;
            uint64_t at = next_chunk(issued, nchunks) * chunk;
            uint32_t n = bytes - at < chunk ? (uint32_t)(bytes - at) : chunk;
            sl->req = (struct blkfront_request){ .op = op, .sector = at / 512, .buf = buffers[i], .bytes = n,
                                                 .done = on_done, .data = sl };
            if (op == BLKIF_OP_WRITE && checked)
                fill(buffers[i], seed, at / 512, n);
            int rc = blkfront_submit(&bf, &sl->req);
            if (rc == -XEN_EAGAIN)
                break;
            CHECK_EQ(rc, 0, "submit");
            sl->busy = 1;
            sl->complete = 0;
            next += n;
            issued++;
        }
        blkfront_push(&bf);
        if (next >= barrier && barrier < bytes) {
            /* a sync point: everything before it acknowledged, then flushed */
            done += reap(op, seed, depth, 1);
            int st = blkfront_flush(&bf);
            CHECK(st == BLKIF_RSP_OKAY, "flush at %u KiB: status %d", (uint32_t)(next >> 10), st);
            printf("blktest: durable %u KiB (seed %u)\n", (uint32_t)(next >> 10), seed);
            continue;
        }
        blkfront_wait(&bf, 60 * SECOND);
        done += reap(op, seed, depth, 0);
    }
    if (op == BLKIF_OP_WRITE) {
        int st = blkfront_flush(&bf);   /* the pass's last flush, inside its time */
        CHECK(st == BLKIF_RSP_OKAY, "flush: status %d", st);
    }
    uint64_t dt = guest_time_ns() - t0;
    printf("blktest: %s%s %u KiB in %u ms: %u KiB/s (seed %u)\n", random_order ? "random " : "",
           op == BLKIF_OP_WRITE ? "wrote" : checked ? "read and verified" : "read",
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
    CHECK(chunk >= 4096 && chunk <= MAX_CHUNK && chunk % 4096 == 0, "chunk=%u KiB: 4..128, a multiple of 4",
          chunk / 1024);
    CHECK(depth >= 1 && depth <= MAX_DEPTH, "depth=%u: 1..%u", depth, MAX_DEPTH);
    CHECK((uint64_t)depth * chunk <= ARENA, "depth=%u x chunk=%u KiB: more than %u KiB of buffers", depth,
          chunk / 1024, ARENA / 1024);
    for (uint32_t i = 0; i < depth; i++)
        buffers[i] = arena + i * chunk;
    unsigned flags = 0;
    if (cmdline_u32("persistent", 1) == 0)
        flags |= BLKFRONT_NO_PERSISTENT;
    if (cmdline_u32("indirect", 1) == 0)
        flags |= BLKFRONT_NO_INDIRECT;
    if (cmdline_u32("merge", 1) == 0)
        flags |= BLKFRONT_NO_MERGE;
    if (cmdline_u32("ring", 2) == 1)
        flags |= BLKFRONT_ONE_PAGE_RING;

    checked = cmdline_u32("check", 1) != 0;
    char order[8] = "seq";
    cmdline_get("order", order, sizeof order);
    CHECK(strcmp(order, "seq") == 0 || strcmp(order, "random") == 0, "order=%s: expected seq or random", order);
    random_order = strcmp(order, "random") == 0;
    sync_bytes = cmdline_u32("sync", 0) * 1024;
    CHECK(sync_bytes % chunk == 0, "sync=%u KiB: a multiple of chunk=%u KiB", sync_bytes >> 10, chunk >> 10);

    irq_disable();                      /* events arrive while waiting in cpu_idle */
#ifdef GUEST_NATIVE
    pvhvm_init(HVM_EVENT_IRQ);          /* an HVM domain: the PV drivers on Xen's platform interface */
#endif
    xs_init();
    CHECK(blkfront_init_flags(&bf, node, 30 * SECOND, flags) == 0, "no disk at %s", node);
    uint64_t disk = bf.sectors * 512;
    uint64_t bytes = (uint64_t)cmdline_u32("mib", (uint32_t)(disk >> 20)) << 20;
    CHECK(bytes > 0 && bytes <= disk, "mib=%u: the disk has %u MiB", (uint32_t)(bytes >> 20), (uint32_t)(disk >> 20));
    CHECK(!do_write || !bf.readonly, "the disk is read-only");
    uint64_t nchunks = bytes / chunk;
    CHECK(!random_order || (bytes % chunk == 0 && (nchunks & (nchunks - 1)) == 0),
          "order=random needs a power-of-two number of chunks (%u MiB in %u KiB chunks)", (uint32_t)(bytes >> 20),
          chunk >> 10);
    if (passes == 0) {
        shutdown_watch_init();          /* run until the toolstack asks for a poweroff */
        shutdown_watch_async(0);        /* and suspend (xl save, xl migrate) mid-I/O, while it waits */
    }

    /* refusals blkfront makes itself */
    static uint8_t probe[4096] ALIGNED(4096);
    struct blkfront_request bad = { .op = BLKIF_OP_READ, .sector = bf.sectors, .buf = probe, .bytes = 512 };
    CHECK_EQ(blkfront_submit(&bf, &bad), -XEN_EINVAL, "a read past the end");
    bad.sector = 0;
    bad.buf = probe + 1;
    CHECK_EQ(blkfront_submit(&bf, &bad), -XEN_EINVAL, "a misaligned buffer");
#ifdef GUEST_NATIVE
    bad.buf = (void *)(uint32_t)guest_mem_bytes();     /* the first page past the domain's RAM */
#else
    bad.buf = (void *)0x1000;
#endif
    CHECK_EQ(blkfront_submit(&bf, &bad), -XEN_EINVAL, "a buffer outside the boot region");

    int reason = SHUTDOWN_poweroff;
    for (uint32_t p = 0; passes == 0 || p < passes; p++) {
        if (do_write)
            run(BLKIF_OP_WRITE, seed + p, bytes, chunk, depth);   /* ends with a flush */
        if (do_read)
            run(BLKIF_OP_READ, seed + p, bytes, chunk, depth);
        if (passes == 0 && (reason = shutdown_requested()) >= 0) {
            printf("blktest: %u passes\n", p + 1);
            break;
        }
    }
    printf("blktest: %u requests, %u responses, %u resubmitted, %u reconnects, %u kicks, %u sleeps (%u ms), "
           "%u ring requests, %u ring responses, %u merged, %u spins (%u ms); %s\n",
           bf.submitted, bf.completed, bf.resubmitted, bf.reconnects, bf.kicks, bf.sleeps,
           (uint32_t)(bf.slept_ns / 1000000), bf.ring_requests, bf.responses, bf.merged, bf.spins, (uint32_t)(bf.spun_ns / 1000000),
           bf.feature_flush ? "flush-cache" : bf.feature_barrier ? "barrier" : "no flush");
    blkfront_shutdown(&bf);
    if (passes == 0)
        shutdown_clean(reason);
    pass();
}
