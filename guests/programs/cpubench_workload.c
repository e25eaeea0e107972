/*
 * cpubench_workload.c -- the x86bench CPU workload, unchanged.
 *
 * Copied from the project's shared benchmark (x86bench/workload.c, by the
 * oxen engineers, 2026-11-21) so the kit is self-contained.  Keep it
 * byte-identical in behaviour: its instruction counts (README.md, "cpubench")
 * were measured on this object with valgrind callgrind (make count).
 * It is compiled with the kit's flags (-O2 -march=i386, no SSE), which are
 * the flags x86bench uses for it.
 */
#include <stdint.h>

#define BUF_SZ   16384
#define SIEVE_N  65536
#define MAT_N    24

static uint32_t crc_table[256];
static uint8_t  buf[BUF_SZ];
static uint8_t  sieve[SIEVE_N];
static int32_t  ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];

static uint32_t xs_state;
static uint32_t xorshift32(void)
{
    uint32_t x = xs_state;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return xs_state = x;
}

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_buf(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint32_t do_sieve(void)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < SIEVE_N; i++) sieve[i] = 1;
    sieve[0] = sieve[1] = 0;
    for (uint32_t i = 2; i * i < SIEVE_N; i++)
        if (sieve[i])
            for (uint32_t j = i * i; j < SIEVE_N; j += i) sieve[j] = 0;
    for (uint32_t i = 0; i < SIEVE_N; i++) count += sieve[i];
    return count;
}

static uint32_t do_matmul(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            ma[i][j] = (int32_t)(xorshift32() & 0xFFF) - 0x800;
            mb[i][j] = (int32_t)(xorshift32() & 0xFFF) - 0x800;
        }
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT_N; k++) s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    uint32_t h = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) h = h * 31u + (uint32_t)mc[i][j];
    return h;
}

static uint32_t do_divhash(uint32_t seed)
{
    uint32_t h = seed | 1;
    for (int i = 1; i < 2000; i++) {
        uint32_t d = (xorshift32() % 1000u) + 1u;   /* DIV */
        h = (h ^ (h / d)) * 2654435761u + (uint32_t)i;
    }
    return h;
}

/* One "round" ~ 0.6M instructions. */
uint32_t workload_mix(uint32_t rounds)
{
    uint32_t acc = 0x9E3779B9u;
    xs_state = 2463534242u;
    crc_init();
    for (uint32_t r = 0; r < rounds; r++) {
        for (uint32_t i = 0; i < BUF_SZ; i++) buf[i] = (uint8_t)xorshift32();
        acc ^= crc32_buf(buf, BUF_SZ);
        acc = (acc << 7) | (acc >> 25);
        acc += do_sieve();
        acc ^= do_matmul();
        acc += do_divhash(acc);
    }
    return acc;
}

/* Tight register-only loop: exactly 6 instructions per iteration
 * (+ 8 instructions of setup/teardown incl. call/ret). */
uint32_t workload_loop(uint32_t iters)
{
    uint32_t eax, ecx = iters, edx;
    if (iters == 0) return 0;
    __asm__ volatile(
        "movl $0x12345678, %%eax\n\t"
        "xorl %%edx, %%edx\n\t"
        "1:\n\t"
        "addl %%ecx, %%eax\n\t"
        "xorl %%eax, %%edx\n\t"
        "roll $5, %%eax\n\t"
        "subl %%ecx, %%edx\n\t"
        "decl %%ecx\n\t"
        "jnz 1b\n\t"
        "xorl %%edx, %%eax\n\t"
        : "=a"(eax), "+c"(ecx), "=d"(edx) : : "cc");
    return eax;
}
