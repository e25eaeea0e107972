/*
 * privop -- privileged instructions a PV kernel may issue, as Xen's
 * emulate_privileged_op answers them. PV only.
 *
 * Ring 1: reads of CR0 (TS follows fpu_taskswitch and CLTS), CR3
 * (xen_pfn_to_cr3 of the L3 in use) and CR4 (PAE); a CR0 write changing only
 * TS works, one clearing PG is #GP; RDMSR of EFER (NX) and MISC_ENABLE works,
 * of an unknown MSR is #GP; a data breakpoint set with MOV to DR0/DR7 traps
 * (#DB after the writing instruction, DR6.B0 set, read back with MOV from DR6).
 * Virtual IOPL (PHYSDEVOP_set_iopl): with IOPL 0, CLI and IN are #GP in ring 1;
 * with IOPL 1 CLI/STI set and clear evtchn_upcall_mask and IN reads all ones
 * (no ports for a guest), OUT is accepted; ring 3 gets #GP for CLI under
 * IOPL 1 and runs it under IOPL 3.
 * I/O bitmap (PHYSDEVOP_set_iobitmap): with IOPL 0, ports whose bits are clear
 * within nr_ports are emulated in ring 1 and ring 3, a set bit, a word access
 * half on a set bit, or a port beyond nr_ports is #GP; the bitmap in the hole
 * and nr_ports 65537 are -EINVAL.
 * VMASST_TYPE_architectural_iopl: the kernel may CLI and do I/O with IOPL 0
 * (it counts as ring 0), trap frames show the virtual IOPL, and the guest's
 * iret sets it from its EFLAGS (IOPL 3 from a handler's frame, IOPL 0 from
 * the kit's entry to ring 3, after which ring-3 CLI is #GP).
 * SYSENTER from ring 3 reaches the CALLBACKTYPE_sysenter callback (here the
 * kit's int $0x80 entry) with Xen's frame (eip 0, cs 3); without a callback
 * it is #GP(0).
 */
#include <kit.h>
#include <oxen/pv.h>

#define PHYSDEVOP_SET_IOPL 6
#define PHYSDEVOP_SET_IOBITMAP 7
#define CR0_TS 8u

static long set_iopl(uint32_t iopl)
{
    return _hypercall2(33, PHYSDEVOP_SET_IOPL, &iopl);
}


static long set_iobitmap(const void *bitmap, uint32_t nr_ports)
{
    struct { uint32_t bitmap, nr_ports; } op = { (uint32_t)bitmap, nr_ports };
    return _hypercall2(33, PHYSDEVOP_SET_IOBITMAP, &op);
}

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static void do_cli(void *a) { (void)a; __asm__ volatile("cli"); }
static void do_sti(void *a) { (void)a; __asm__ volatile("sti"); }
static volatile uint32_t in_value;
static void do_in(void *a) { (void)a; uint8_t v; __asm__ volatile("inb $0x80,%0" : "=a"(v)); in_value = v; }
static void do_in_dx(void *a) { (void)a; uint32_t v; __asm__ volatile("inl %%dx,%0" : "=a"(v) : "d"(0xcf8)); in_value = v; }
static void do_out(void *a) { (void)a; __asm__ volatile("outb %%al,$0x80" : : "a"(0x12)); }
static void clear_pg(void *a) { (void)a; uint32_t v = read_cr0() & ~0x80000000u; __asm__ volatile("mov %0,%%cr0" : : "r"(v)); }
static void unknown_msr(void *a) { (void)a; in_value = (uint32_t)rdmsr(0x12345); }

static uint8_t iobitmap[8192] ALIGNED(4096);
static void do_in_81(void *a) { (void)a; uint8_t v; __asm__ volatile("inb $0x81,%0" : "=a"(v)); in_value = v; }
static void do_inw_7f(void *a) { (void)a; uint16_t v; __asm__ volatile("inw %%dx,%0" : "=a"(v) : "d"(0x7f)); in_value = v; }
static void do_out_200(void *a) { (void)a; __asm__ volatile("outb %%al,%%dx" : : "a"(1), "d"(0x200)); }

/* Ring-3 snippet: eax = 0x5e5e, ebp = esp, SYSENTER (PV only: Xen's PV CPUID shows SEP). */
void user_sysenter(void);
__asm__(".pushsection .user.text, \"ax\"\n"
        "user_sysenter:\n"
        "    movl $0x5e5e, %eax\n"
        "    movl %esp, %ebp\n"
        "    sysenter\n"
        "    ud2\n"
        ".popsection\n");

static volatile uint32_t frame_eflags;
static int on_bp_record(struct trap_frame *f)
{
    frame_eflags = f->eflags;
    return 1;
}
static int on_bp_set_iopl3(struct trap_frame *f)
{
    f->eflags |= 0x3000;            /* the iret back carries IOPL 3 */
    return 1;
}


static volatile uint32_t watched, db_hits, db_dr6, db_eip;
static int on_db(struct trap_frame *f)
{
    uint32_t dr6;
    __asm__ volatile("mov %%dr6,%0" : "=r"(dr6));
    db_hits++;
    db_dr6 = dr6;
    db_eip = f->eip;
    __asm__ volatile("mov %0,%%dr7" : : "r"(0));
    return 1;
}

static void expect_gp(const char *what, void (*fn)(void *))
{
    struct trap_record rec;
    CHECK(trap_try(fn, NULL, &rec) == 1 && rec.vector == VEC_GP,
          "%s: expected #GP, got %s vector %u", what, "trap", rec.vector);
    printf("privop: %-36s -> #GP ok\n", what);
}

static void expect_ok(const char *what, void (*fn)(void *))
{
    struct trap_record rec;
    int t = trap_try(fn, NULL, &rec);
    CHECK(t == 0, "%s: trapped with vector %u error %#x", what, rec.vector, rec.error);
    printf("privop: %-36s -> emulated ok\n", what);
}

void guest_main(void)
{
    struct vcpu_info *vi = pv_vcpu_info(0);
    irq_disable();

    /* control registers */
    uint32_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
    printf("privop: cr0=%#x cr3=%#x cr4=%#x\n", cr0, cr3, cr4);
    CHECK((cr0 & 0x80000001u) == 0x80000001u, "CR0 %#x lacks PE|PG", cr0);
    CHECK(cr3 == xen_pfn_to_cr3(pv_cur_l3_mfn), "CR3 %#x, expected %#x", cr3, xen_pfn_to_cr3(pv_cur_l3_mfn));
    CHECK(cr4 & 0x20, "CR4 %#x lacks PAE", cr4);
    CHECK_EQ(_hypercall1(5, 1), 0, "fpu_taskswitch(1)");
    CHECK(read_cr0() & CR0_TS, "CR0.TS clear after fpu_taskswitch(1)");
    __asm__ volatile("clts");
    CHECK(!(read_cr0() & CR0_TS), "CR0.TS set after CLTS");
    uint32_t ts = read_cr0() | CR0_TS;
    __asm__ volatile("mov %0,%%cr0" : : "r"(ts));
    CHECK(read_cr0() & CR0_TS, "CR0.TS clear after a CR0 write setting it");
    __asm__ volatile("clts");
    expect_gp("mov to cr0 clearing PG", clear_pg);

    /* MSRs */
    uint64_t efer = rdmsr(0xc0000080);
    printf("privop: EFER %#llx, MISC_ENABLE %#llx\n", efer, rdmsr(0x1a0));
    CHECK(efer & 0x800, "EFER.NXE clear (%#llx)", efer);
    expect_gp("rdmsr 0x12345", unknown_msr);

    /* a data breakpoint through the debug registers */
    trap_set_handler(VEC_DB, on_db);
    uint32_t addr = (uint32_t)&watched;
    __asm__ volatile("mov %0,%%dr0" : : "r"(addr));
    __asm__ volatile("mov %0,%%dr7" : : "r"(0x000d0001u));   /* L0, write, 4 bytes */
    uint32_t dr7;
    __asm__ volatile("mov %%dr7,%0" : "=r"(dr7));
    CHECK((dr7 & 0x000f00ffu) == 0x000d0001u, "DR7 reads back %#x", dr7);
    watched = 42;
    CHECK(db_hits == 1, "data breakpoint: %u #DB", db_hits);
    CHECK(db_dr6 & 1, "DR6 %#x lacks B0", db_dr6);
    printf("privop: data breakpoint on %#x: #DB at eip %#x, DR6 %#x ok\n", addr, db_eip, db_dr6);

    /* virtual IOPL in ring 1 */
    CHECK_EQ(set_iopl(0), 0, "set_iopl(0)");
    expect_gp("cli with IOPL 0", do_cli);
    expect_gp("inb $0x80 with IOPL 0", do_in);
    CHECK_EQ(set_iopl(1), 0, "set_iopl(1)");
    vi->evtchn_upcall_mask = 0;
    expect_ok("cli with IOPL 1", do_cli);
    CHECK(vi->evtchn_upcall_mask == 1, "CLI left upcall_mask %u", vi->evtchn_upcall_mask);
    expect_ok("sti with IOPL 1", do_sti);
    CHECK(vi->evtchn_upcall_mask == 0, "STI left upcall_mask %u", vi->evtchn_upcall_mask);
    irq_disable();
    expect_ok("inb $0x80 with IOPL 1", do_in);
    CHECK(in_value == 0xff, "inb read %#x, expected 0xff", in_value);
    expect_ok("inl (%dx) with IOPL 1", do_in_dx);
    CHECK(in_value == 0xffffffffu, "inl read %#x", in_value);
    expect_ok("outb $0x80 with IOPL 1", do_out);

    /* virtual IOPL in ring 3 */
    CHECK_EQ(user_init(), 0, "user_init");
    struct trap_record rec;
    uint32_t ret = 0;
    int r = user_run(user_cli, 0, &ret, &rec);
    CHECK(r == -1 && rec.vector == VEC_GP, "ring-3 cli with IOPL 1: %d vector %u", r, rec.vector);
    printf("privop: %-36s -> #GP ok\n", "ring-3 cli with IOPL 1");
    CHECK_EQ(set_iopl(3), 0, "set_iopl(3)");
    r = user_run(user_cli, 0, &ret, &rec);
    CHECK(r == 0 && ret == 0xbad, "ring-3 cli with IOPL 3: %d vector %u", r, rec.vector);
    CHECK(vi->evtchn_upcall_mask == 1, "ring-3 cli left upcall_mask %u", vi->evtchn_upcall_mask);
    printf("privop: %-36s -> emulated ok\n", "ring-3 cli with IOPL 3");
    CHECK_EQ(set_iopl(0), 0, "set_iopl(0)");

    /* the I/O bitmap */
    CHECK_EQ(set_iobitmap((void *)0xF5800000u, 0x100), -XEN_EINVAL, "set_iobitmap in the hole");
    CHECK_EQ(set_iobitmap(iobitmap, 65537), -XEN_EINVAL, "set_iobitmap of 65537 ports");
    CHECK_EQ(_hypercall2(33, PHYSDEVOP_SET_IOBITMAP, (void *)0xF5800000u), -XEN_EFAULT, "set_iobitmap, argument in the hole");
    memset(iobitmap, 0xff, sizeof iobitmap);
    iobitmap[0x80 / 8] &= ~(1u << (0x80 % 8));  /* port 0x80 allowed; 0x7f, 0x81 and the rest not */
    CHECK_EQ(set_iobitmap(iobitmap, 0x100), 0, "set_iobitmap(0x100 ports)");
    expect_ok("inb $0x80 allowed by the bitmap", do_in);
    CHECK(in_value == 0xff, "inb read %#x", in_value);
    expect_ok("outb $0x80 allowed by the bitmap", do_out);
    expect_gp("inb $0x81 denied by the bitmap", do_in_81);
    expect_gp("inw 0x7f (0x7f denied, 0x80 allowed)", do_inw_7f);
    iobitmap[0x200 / 8] = 0;
    expect_gp("outb 0x200 beyond nr_ports", do_out_200);
    expect_gp("cli (the bitmap is not IOPL)", do_cli);
    r = user_run(user_inb, 0x80, &ret, &rec);
    CHECK(r == 0 && ret == 0x5a5a5aff, "ring-3 inb 0x80 under the bitmap: %d %#x vector %u", r, ret, rec.vector);
    r = user_run(user_inb, 0x81, &ret, &rec);
    CHECK(r == -1 && rec.vector == VEC_GP, "ring-3 inb 0x81 denied: %d vector %u", r, rec.vector);
    printf("privop: %-36s -> ok\n", "ring-3 inb under the bitmap");
    CHECK_EQ(set_iobitmap(NULL, 0), 0, "set_iobitmap(none)");
    expect_gp("inb $0x80 without the bitmap", do_in);

    /* architectural IOPL */
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0, "vm_assist architectural_iopl");
    expect_ok("cli with IOPL 0, architectural", do_cli);
    expect_ok("inb $0x80 with IOPL 0, architectural", do_in);
    irq_disable();
    trap_set_handler(VEC_BP, on_bp_record);
    CHECK_EQ(set_iopl(2), 0, "set_iopl(2)");
    __asm__ volatile("int3");
    CHECK(((frame_eflags >> 12) & 3) == 2, "architectural: the frame shows IOPL %u, not 2", (frame_eflags >> 12) & 3);
    r = user_run(user_cli, 0, &ret, &rec);
    CHECK(r == -1 && rec.vector == VEC_GP, "ring-3 cli with IOPL 2: %d vector %u", r, rec.vector);
    trap_set_handler(VEC_BP, on_bp_set_iopl3);
    __asm__ volatile("int3");       /* its iret sets IOPL 3 */
    trap_set_handler(VEC_BP, on_bp_record);
    __asm__ volatile("int3");
    CHECK(((frame_eflags >> 12) & 3) == 3, "architectural: after an iret with IOPL 3 the frame shows %u",
          (frame_eflags >> 12) & 3);
    /* the kit enters ring 3 through an iret whose EFLAGS has IOPL 0: that sets it back */
    r = user_run(user_cli, 0, &ret, &rec);
    CHECK(r == -1 && rec.vector == VEC_GP, "ring-3 cli after an iret to ring 3 with IOPL 0: %d vector %u", r,
          rec.vector);
    __asm__ volatile("int3");
    CHECK(((frame_eflags >> 12) & 3) == 0, "architectural: after an iret with IOPL 0 the frame shows %u",
          (frame_eflags >> 12) & 3);
    printf("privop: %-36s -> ok\n", "architectural IOPL (frames, iret)");
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl), 0, "vm_assist off");
    CHECK_EQ(set_iopl(0), 0, "set_iopl(0)");
    irq_disable();
    __asm__ volatile("int3");
    CHECK(((frame_eflags >> 12) & 3) == 0, "without the assist the frame shows IOPL %u", (frame_eflags >> 12) & 3);

    /* SYSENTER from ring 3 */
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    CHECK(d & (1u << 11), "PV CPUID lacks SEP (edx %#x)", d);
    r = user_run(user_sysenter, 0, &ret, &rec);
    CHECK(r == -1 && rec.vector == VEC_GP && rec.error == 0 && rec.eip == 0,
          "sysenter without a callback: %d vector %u error %#x eip %#x", r, rec.vector, rec.error, rec.eip);
    printf("privop: %-36s -> #GP(0) ok\n", "sysenter without a callback");
    uint32_t entry80 = 0;
    for (const trap_info_t *t = pv_trap_table; t->address; t++)
        if (t->vector == VEC_SYSCALL)
            entry80 = t->address;
    CHECK(entry80 != 0, "the kit has no int $0x80 entry");
    struct callback_register cb = { CALLBACKTYPE_sysenter, CALLBACKF_mask_events, { FLAT_RING1_CS, entry80 } };
    CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0, "callback_op register sysenter");
    struct callback_register cb32 = { CALLBACKTYPE_syscall32, 0, { FLAT_RING1_CS, entry80 } };
    CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &cb32), 0, "callback_op register syscall32");
    r = user_run(user_sysenter, 0, &ret, &rec);
    CHECK(r == 0 && ret == 0x5e5e && rec.eip == 0 && rec.cs == 3,
          "sysenter: %d eax %#x vector %u eip %#x cs %#x", r, ret, rec.vector, rec.eip, rec.cs);
    CHECK(vi->evtchn_upcall_mask == 1, "the sysenter callback (mask events) left upcall_mask %u", vi->evtchn_upcall_mask);
    printf("privop: %-36s -> callback ok (eip %#x cs %#x)\n", "sysenter from ring 3", rec.eip, rec.cs);
    pass();
}
