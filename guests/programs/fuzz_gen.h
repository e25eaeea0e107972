/*
 * fuzz_gen.h -- what the generator's files share (fuzz_gen.c: the random
 * stream, what is ours, the argument helpers, gen(); fuzz_gen_mm.c: the MMU
 * and memory calls; fuzz_gen_grant.c: grant-table calls; fuzz_gen_events.c:
 * event channels, vcpu_op and sched_op).  The driver's view is fuzz.h.
 */
#ifndef FUZZ_GEN_H
#define FUZZ_GEN_H

#include "fuzz.h"

/* Each call's structs live in its own 2 KiB region of scratch (a multicall's entries each in
 * theirs), so no entry's generation overwrites another's: the first KiB for scratch_ptr(), then
 * fixed places for lists and opaque structs. */
#define REGION_SIZE 0x800
#define AT_LIST 0x400                       /* memory_op extents (in 16, out from +128) */
#define AT_VCPU 0x500                       /* vcpu_op's opaque struct (256 bytes) */
#define AT_PHYSDEV 0x600                    /* physdev_op's (64) */
#define AT_OPAQUE 0x680                     /* the privileged calls' (128) */
#define AT_FRAMES 0x700                     /* setup_table's frame list (256) */
extern uint8_t *region;                 /* the region of the call being generated */
extern uint32_t window_claimed;         /* grant window pages a map of this call (or its multicall) may fill */

/* Frames (fuzz_gen.c) */
uint32_t not_ours(uint32_t m);
int is_sandbox(uint32_t mfn);
uint32_t any_mfn(void);
int live_pt(uint32_t mfn);
uint32_t write_target(uint32_t mfn);

/* Arguments (fuzz_gen.c) */
uint64_t any_pte(void);
uint64_t any_maddr(void);
uint32_t unreadable_ptr(void);
uint32_t scratch_ptr(void);
uint32_t any_ptr(void);
uint32_t any_val(void);
domid_t any_domid(void);
uint32_t sandbox_va(void);
uint32_t remap_va(void);
uint64_t remap_pte(void);
uint64_t any_desc(void);
evtchn_port_t any_port(void);
int protected_port(evtchn_port_t p);

/* One family each: fuzz_gen_mm.c */
void gen_mmu_update(struct call *c, int nested);
void gen_mmuext_op(struct call *c);
void gen_memory_op(struct call *c);
/* fuzz_gen_grant.c */
void gen_grant_table_op(struct call *c);
void grant_map_overruns(void);
/* fuzz_gen_events.c */
uint32_t *gen_event_channel_op(struct call *c, int compat, int nested);
uint32_t compat_struct_ptr(uint32_t p, int nested);
void gen_vcpu_op(struct call *c);
void vcpu_op_after_earlier_entries(struct call *c);
void gen_sched_op(struct call *c, int nested);

#endif
