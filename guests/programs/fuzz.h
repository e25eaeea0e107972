/*
 * fuzz.h -- what the hypercall fuzzer's driver (fuzz.c) and generator
 * (fuzz_gen.c) share.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>

#define SANDBOX_PAGES 64
#define NR_SUBS 32                  /* sub-ops counted apart; 31: 31 and beyond */
#define MC_PAGE_ENTRIES (PAGE_SIZE / sizeof(multicall_entry_t))

/* One hypercall: its number, the sub-op it is counted under, its arguments. */
struct call { uint32_t nr, sub, a[5]; };

/* The generator (fuzz_gen.c). */
extern uint64_t seq_hash;               /* FNV-1a over each call's number and draws (fuzz_gen.c) */
extern uint32_t draws;                  /* rnd() calls so far */
extern int rng_v1;                      /* rng=1: session 10's generator (fuzz_gen.c) */
void rng_seed(uint32_t seed, int v1);
void rng_call(uint32_t n);              /* the generator at the start of call n */
void hash(uint32_t v);
uint32_t rnd(void);
uint32_t below(uint32_t n);
void gen(struct call *c, int nested);
extern int mc_give;                     /* mcgive=1: every multicall's first entry gives us all frames it can */
int ours(uint32_t mfn);                 /* a frame this domain owns (its P2M, extra, or Xen's it shares) */
void own_init(void);                    /* what ours() knows of the P2M, before the first ours() */
void add_extra(uint32_t mfn);           /* a frame memory_op gave us beyond the P2M */
int xen_says_ours(uint32_t mfn);        /* Xen's answer: a no-op MMU_MACHPHYS_UPDATE */
#define MAX_EXTRA 4096
extern uint32_t extra_mfns[MAX_EXTRA], nr_extra;
uint32_t foreign_mfn(void);
uint32_t bad_ptr(void);
int in_image(uint32_t va);
void fill_random(void *p, unsigned bytes);

/* The benchmark mode (fuzz_bench.c): each common hypercall n times alone, on our loop pair. */
void fuzz_bench(uint32_t n, evtchn_port_t port, evtchn_port_t peer);

/* State set up by the driver before the first call. */
extern domid_t self;
extern uint32_t nr_machine_frames;
extern uint8_t sandbox[SANDBOX_PAGES][PAGE_SIZE];
extern uint32_t sandbox_mfn[SANDBOX_PAGES];
#define SCRATCH_BYTES (4 * PAGE_SIZE)
extern uint8_t scratch[SCRATCH_BYTES + PAGE_SIZE];  /* then a guard page that stays unmapped */
extern uint32_t xen_frames[1 + GNTTAB_FRAMES];     /* Xen's frames the kit maps: shared_info, grant table */
extern uint8_t mc_page[2][PAGE_SIZE];
#define GRANT_WINDOW_PAGES 8
extern uint8_t grant_window[GRANT_WINDOW_PAGES][PAGE_SIZE];
extern uint32_t window_mfn[GRANT_WINDOW_PAGES];     /* each window page's own frame */
extern uint32_t hook_va;                /* a 2 MiB range ... */
extern uint64_t hook_l2e;               /* ... whose L2 entry (machine address) the fuzzer hooks */
#define MAX_PT 64
extern uint32_t pt_mfns[MAX_PT], pt_vas[MAX_PT], nr_pt_mfns;   /* our live page tables */
extern evtchn_port_t loop_a, loop_b;
extern evtchn_port_t own_ports[64];
extern unsigned nr_own_ports;

#endif
