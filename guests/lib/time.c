/*
 * time.c -- tick-to-nanosecond scaling shared by both flavors.
 *
 * A time_scale is Xen's (mul_frac, shift) pair: ns = ((ticks << shift) *
 * mul_frac) >> 32 with a negative shift meaning a right shift.  PV guests
 * read it from vcpu_time_info; the native flavor derives it from the TSC
 * frequency it measured, with the same algorithm as Xen's set_time_scale().
 */
#include <kit.h>

uint64_t scale_delta(uint64_t delta, const struct time_scale *ts)
{
    if (ts->shift < 0)
        delta >>= -ts->shift;
    else
        delta <<= ts->shift;
    /* 64 x 32 -> 96-bit product, keep bits 32..95 (two 32x32 multiplies). */
    uint64_t lo = (uint64_t)(uint32_t)delta * ts->mul_frac;
    uint64_t hi = (uint64_t)(uint32_t)(delta >> 32) * ts->mul_frac;
    return (lo >> 32) + hi;
}

void time_scale_from_hz(struct time_scale *ts, uint64_t hz)
{
    uint64_t tps64 = hz;
    int shift = 0;

    while (tps64 > 2000000000ull) {
        tps64 >>= 1;
        shift--;
    }
    uint32_t tps32 = (uint32_t)tps64;
    while (tps32 <= 1000000000u) {
        tps32 <<= 1;
        shift++;
    }
    ts->mul_frac = (uint32_t)((1000000000ull << 32) / tps32);
    ts->shift = (int8_t)shift;
}

void delay_ns(uint64_t ns)
{
    uint64_t end = guest_time_ns() + ns;
    while (guest_time_ns() < end)
        cpu_relax();
}
