/*
 * cpubench_workload.c -- the x86bench CPU workload, unchanged.
 *
 * The repository keeps one copy of x86bench in benchmarks/x86bench; the kit compiles
 * its workload.c here with the kit's flags (-O2 -march=i386, no SSE), the flags x86bench
 * uses for it. Its instruction counts (README.md, "cpubench") were measured on this
 * object with valgrind callgrind (make count).
 */
#include "../../benchmarks/x86bench/workload.c"
