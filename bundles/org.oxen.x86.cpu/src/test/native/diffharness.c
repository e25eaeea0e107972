/*
 * diffharness: runs x86 test cases natively as 32-bit code for oxen's differential tester.
 *
 * Built at test time by DiffHarness.java with:
 *   gcc -m32 -O2 -no-pie -fno-pie -o diffharness diffharness.c
 *
 * Design
 *   The code page (CODE_ADDR) and the data page (DATA_ADDR) are mapped at fixed low addresses
 *   so that the same machine code, with the same absolute pointers, runs natively and in oxen's
 *   flat 32-bit CPU. The test's own stack lives at the top of the compared memory buffer.
 *   run_case (assembly below) loads the x87 state with FXRSTOR, EFLAGS with POPF, all eight
 *   GPRs, and jumps to the code; the code ends with "jmp *g_exit_ptr" (appended here; oxen
 *   appends HLT instead), which lands in exit_stub that stores everything back.
 *   Faults (#DE, #UD, #GP, #MF...) arrive as signals on an alternate stack; the handler records
 *   the vector (REG_TRAPNO), the registers and the x87 state at the fault from the ucontext and
 *   longjmps back.
 *
 * Protocol (all little endian), repeated until EOF on stdin:
 *   in : u32 n, then n cases:
 *          u8 flags (FLAG_MEM: a memory image follows and the buffer is reported;
 *                    FLAG_FPU: an x87 state follows and is reported)
 *          u8 codelen, code[codelen]
 *          u32 eax ecx edx ebx esp ebp esi edi, u32 eflags
 *          [FLAG_MEM] u8 mem[MEM_SIZE]
 *          [FLAG_FPU] u16 fcw, u16 fsw, u8 abridged tag (bit i = physical register i valid),
 *                     8 x 10 bytes ST(0)..ST(7)
 *   out: per case, in order:
 *          u8 vector (0xff = reached the end), u8 eip offset from CODE_ADDR,
 *          u32 eax ecx edx ebx esp ebp esi edi, u32 eflags,
 *          [FLAG_MEM] mem[MEM_SIZE], [FLAG_FPU] the x87 state in the input layout.
 *   The whole batch is read before any case runs, and its results are written after the last
 *   one, so the Java side can write a batch and then read its results without deadlock.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x00020000u
#define DATA_ADDR 0x00030000u
#define MEM_SIZE 256
#define MAX_CODE 250
#define FLAG_MEM 1
#define FLAG_FPU 2
#define FPU_BYTES (2 + 2 + 1 + 80)

struct tcase {
    uint8_t flags, codelen;
    uint8_t code[MAX_CODE];
    uint32_t regs[8], eflags;
    uint8_t mem[MEM_SIZE];
    uint8_t fpu[FPU_BYTES];
};

uint32_t g_in_regs[8], g_in_eflags, g_out_regs[8], g_out_eflags, g_host_esp;
uint32_t g_code_entry = CODE_ADDR, g_exit_ptr;
uint8_t g_fx_in[512] __attribute__((aligned(16)));
uint8_t g_fx_out[512] __attribute__((aligned(16)));

void run_case(void);
void exit_stub(void);

__asm__(
    ".text\n"
    ".globl run_case\n"
    "run_case:\n"
    "  push %ebp\n  push %ebx\n  push %esi\n  push %edi\n"
    "  fxrstor g_fx_in\n"
    "  mov %esp, g_host_esp\n"
    "  pushl g_in_eflags\n"
    "  popfl\n"
    "  mov g_in_regs+0, %eax\n"
    "  mov g_in_regs+4, %ecx\n"
    "  mov g_in_regs+8, %edx\n"
    "  mov g_in_regs+12, %ebx\n"
    "  mov g_in_regs+20, %ebp\n"
    "  mov g_in_regs+24, %esi\n"
    "  mov g_in_regs+28, %edi\n"
    "  mov g_in_regs+16, %esp\n"
    "  jmp *g_code_entry\n"
    ".globl exit_stub\n"
    "exit_stub:\n"
    "  mov %eax, g_out_regs+0\n"
    "  mov %ecx, g_out_regs+4\n"
    "  mov %edx, g_out_regs+8\n"
    "  mov %ebx, g_out_regs+12\n"
    "  mov %esp, g_out_regs+16\n"
    "  mov %ebp, g_out_regs+20\n"
    "  mov %esi, g_out_regs+24\n"
    "  mov %edi, g_out_regs+28\n"
    "  mov g_host_esp, %esp\n"
    "  pushfl\n"
    "  popl g_out_eflags\n"
    "  fxsave g_fx_out\n"
    "  cld\n"
    "  pop %edi\n  pop %esi\n  pop %ebx\n  pop %ebp\n"
    "  ret\n");

static sigjmp_buf g_jb;
static volatile int g_vector;
static uint32_t g_fault_eip;
static uint8_t g_fault_fpu[FPU_BYTES];

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    g_vector = (int)g[REG_TRAPNO];
    g_fault_eip = (uint32_t)g[REG_EIP];
    g_out_regs[0] = g[REG_EAX]; g_out_regs[1] = g[REG_ECX];
    g_out_regs[2] = g[REG_EDX]; g_out_regs[3] = g[REG_EBX];
    g_out_regs[4] = g[REG_UESP]; g_out_regs[5] = g[REG_EBP];
    g_out_regs[6] = g[REG_ESI]; g_out_regs[7] = g[REG_EDI];
    g_out_eflags = g[REG_EFL];
    struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    memset(g_fault_fpu, 0, sizeof g_fault_fpu);
    if (fp) {
        uint16_t cw = fp->cw, sw = fp->sw, tag = fp->tag;
        uint8_t abridged = 0;
        for (int i = 0; i < 8; i++)
            if (((tag >> (2 * i)) & 3) != 3) abridged |= 1 << i;
        memcpy(g_fault_fpu, &cw, 2);
        memcpy(g_fault_fpu + 2, &sw, 2);
        g_fault_fpu[4] = abridged;
        memcpy(g_fault_fpu + 5, fp->_st, 80);
    }
    siglongjmp(g_jb, 1);
}

static int read_full(void *buf, size_t n) {
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = read(0, p, n);
        if (r <= 0) return 0;
        p += r; n -= (size_t)r;
    }
    return 1;
}

static void write_full(const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w <= 0) exit(2);
        p += w; n -= (size_t)w;
    }
}

static void *map_fixed(uint32_t addr) {
    void *p = mmap((void *)addr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)addr) {
        fprintf(stderr, "diffharness: cannot map 0x%x\n", addr);
        exit(3);
    }
    return p;
}

static void run_one(const struct tcase *c, uint8_t *out, size_t *outlen) {
    uint8_t *code = (uint8_t *)CODE_ADDR;
    uint8_t *mem = (uint8_t *)DATA_ADDR;
    memcpy(code, c->code, c->codelen);
    code[c->codelen] = 0xff; /* jmp *[g_exit_ptr] */
    code[c->codelen + 1] = 0x25;
    uint32_t ep = (uint32_t)&g_exit_ptr;
    memcpy(code + c->codelen + 2, &ep, 4);
    if (c->flags & FLAG_MEM) memcpy(mem, c->mem, MEM_SIZE);
    else memset(mem, 0, MEM_SIZE);

    memset(g_fx_in, 0, 32);
    uint16_t fcw = 0x037f, fsw = 0;
    uint8_t ftw = 0;
    if (c->flags & FLAG_FPU) {
        memcpy(&fcw, c->fpu, 2);
        memcpy(&fsw, c->fpu + 2, 2);
        ftw = c->fpu[4];
        for (int i = 0; i < 8; i++) memcpy(g_fx_in + 32 + 16 * i, c->fpu + 5 + 10 * i, 10);
    } else {
        for (int i = 0; i < 8; i++) memset(g_fx_in + 32 + 16 * i, 0, 10);
    }
    memcpy(g_fx_in, &fcw, 2);
    memcpy(g_fx_in + 2, &fsw, 2);
    g_fx_in[4] = ftw;
    uint32_t mxcsr = 0x1f80;
    memcpy(g_fx_in + 24, &mxcsr, 4);

    memcpy(g_in_regs, c->regs, 32);
    g_in_eflags = c->eflags;
    g_vector = 0xff;
    uint8_t eipoff;
    const uint8_t *fpu_out;
    uint8_t fpu_norm[FPU_BYTES];
    if (sigsetjmp(g_jb, 0) == 0) {
        run_case();
        eipoff = c->codelen;
        memcpy(fpu_norm, g_fx_out, 4);
        fpu_norm[4] = g_fx_out[4];
        for (int i = 0; i < 8; i++) memcpy(fpu_norm + 5 + 10 * i, g_fx_out + 32 + 16 * i, 10);
        fpu_out = fpu_norm;
    } else {
        __asm__ volatile("cld");
        eipoff = (uint8_t)(g_fault_eip - CODE_ADDR);
        fpu_out = g_fault_fpu;
    }
    size_t n = 0;
    out[n++] = (uint8_t)g_vector;
    out[n++] = eipoff;
    memcpy(out + n, g_out_regs, 32); n += 32;
    memcpy(out + n, &g_out_eflags, 4); n += 4;
    if (c->flags & FLAG_MEM) { memcpy(out + n, mem, MEM_SIZE); n += MEM_SIZE; }
    if (c->flags & FLAG_FPU) { memcpy(out + n, fpu_out, FPU_BYTES); n += FPU_BYTES; }
    *outlen = n;
}

int main(void) {
    map_fixed(CODE_ADDR);
    map_fixed(DATA_ADDR);
    g_exit_ptr = (uint32_t)&exit_stub;

    stack_t ss;
    ss.ss_sp = malloc(1 << 16);
    ss.ss_size = 1 << 16;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);

    size_t cap = 0;
    struct tcase *cases = NULL;
    uint8_t *outbuf = NULL;
    const size_t per_out = 2 + 36 + MEM_SIZE + FPU_BYTES;
    for (;;) {
        uint32_t n;
        if (!read_full(&n, 4)) return 0;
        if (n > cap) {
            cap = n;
            cases = realloc(cases, cap * sizeof *cases);
            outbuf = realloc(outbuf, cap * per_out);
            if (!cases || !outbuf) { fprintf(stderr, "diffharness: out of memory\n"); return 4; }
        }
        for (uint32_t i = 0; i < n; i++) {
            struct tcase *c = &cases[i];
            if (!read_full(&c->flags, 2)) return 5;
            if (c->codelen > MAX_CODE - 6) { fprintf(stderr, "diffharness: code too long\n"); return 6; }
            if (!read_full(c->code, c->codelen)) return 5;
            if (!read_full(c->regs, 32) || !read_full(&c->eflags, 4)) return 5;
            if ((c->flags & FLAG_MEM) && !read_full(c->mem, MEM_SIZE)) return 5;
            if ((c->flags & FLAG_FPU) && !read_full(c->fpu, FPU_BYTES)) return 5;
        }
        size_t total = 0;
        for (uint32_t i = 0; i < n; i++) {
            size_t len;
            run_one(&cases[i], outbuf + total, &len);
            total += len;
        }
        write_full(outbuf, total);
    }
}
