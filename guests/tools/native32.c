/*
 * native32.c -- Linux driver for the cpubench workload object (the very
 * target/obj/native/programs/cpubench_workload.o the guests link), used to
 * compute reference checksums and, under valgrind callgrind, to count the
 * workload's instructions (tools/count.sh).  Not part of any guest.
 *
 *   native32 LOOP MIX      prints loop=... mix=... checksum=0x...
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

uint32_t workload_mix(uint32_t rounds);
uint32_t workload_loop(uint32_t iters);

int main(int argc, char **argv)
{
    uint32_t loop = argc > 1 ? (uint32_t)strtoul(argv[1], 0, 0) : 1000;
    uint32_t mix = argc > 2 ? (uint32_t)strtoul(argv[2], 0, 0) : 1;
    uint32_t l = workload_loop(loop);
    uint32_t m = workload_mix(mix);
    printf("loop=%u mix=%u loop_result=0x%08x mix_result=0x%08x checksum=0x%08x\n",
           loop, mix, l, m, l ^ m);
    return 0;
}
