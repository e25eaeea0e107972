/*
 * start.c -- native flavor start-of-day and machine services.
 *
 * native_start(): check the multiboot magic, set up the console (debug
 * port 0xE9 and COM1 at 115200 8N1), descriptor tables, the PICs (remapped
 * to vectors 0x20-0x2f, everything masked) and the TSC calibration, then
 * run guest_main().  guest_exit() writes EXIT_PASS/EXIT_FAIL to port 0xF4
 * (QEMU's isa-debug-exit turns that into exit status 33/35) and halts.
 */
#include <oxen/native.h>

void desc_init(void);
void native_time_init(void);

const struct multiboot_info *multiboot_info;
volatile uint32_t irq_counts[16];
static irq_handler_t irq_handlers[16];
static char cmdline[1024];
static const char *args = "";

/* ---- console -------------------------------------------------------- */
static void com1_init(void)
{
    outb(COM1_PORT + 1, 0x00);      /* no interrupts */
    outb(COM1_PORT + 3, 0x80);      /* DLAB */
    outb(COM1_PORT + 0, 0x01);      /* 115200 baud */
    outb(COM1_PORT + 1, 0x00);
    outb(COM1_PORT + 3, 0x03);      /* 8N1 */
    outb(COM1_PORT + 2, 0xc7);      /* FIFO on */
    outb(COM1_PORT + 4, 0x03);      /* DTR, RTS */
}

static void com1_putc(char c)
{
    /* Bounded wait for THR empty: an absent UART reads 0xff and never blocks. */
    for (int i = 0; i < 100000 && !(inb(COM1_PORT + 5) & 0x20); i++)
        ;
    outb(COM1_PORT, (uint8_t)c);
}

void guest_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            com1_putc('\r');
        outb(DEBUGCON_PORT, (uint8_t)s[i]);
        com1_putc(s[i]);
    }
}

/* ---- identity --------------------------------------------------------- */
const char *guest_flavor(void) { return "native"; }
const char *guest_cmdline(void) { return args; }

uint64_t guest_mem_bytes(void)
{
    if (multiboot_info && (multiboot_info->flags & 1))
        return ((uint64_t)multiboot_info->mem_upper + 1024) * 1024;
    return 0;
}

void guest_exit(int passed)
{
    outl(EXIT_PORT, passed ? EXIT_PASS : EXIT_FAIL);
    for (const char *s = "Shutdown"; *s; s++)   /* Bochs' shutdown port */
        outb(0x8900, (uint8_t)*s);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* ---- interrupts ------------------------------------------------------- */
static uint16_t pic_mask = 0xffff;

static void pic_write_mask(void)
{
    outb(0x21, (uint8_t)pic_mask);
    outb(0xa1, (uint8_t)(pic_mask >> 8));
}

static void pic_init(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);         /* ICW1: edge, cascade, ICW4 */
    outb(0x21, IRQ_BASE); outb(0xa1, IRQ_BASE + 8);
    outb(0x21, 0x04); outb(0xa1, 0x02);         /* master has slave on IRQ2 */
    outb(0x21, 0x01); outb(0xa1, 0x01);         /* 8086 mode */
    pic_mask = 0xffff & ~(1u << 2);
    pic_write_mask();
}

void irq_set_handler(unsigned irq, irq_handler_t h)
{
    uint32_t s = irq_save();
    irq_handlers[irq] = h;
    pic_mask &= (uint16_t)~(1u << irq);
    pic_write_mask();
    irq_restore(s);
}

void irq_mask(unsigned irq)
{
    uint32_t s = irq_save();
    pic_mask |= (uint16_t)(1u << irq);
    pic_write_mask();
    irq_restore(s);
}

int arch_trap_early(struct trap_frame *f)
{
    if (f->vector < IRQ_BASE || f->vector >= IRQ_BASE + 16)
        return 0;
    unsigned irq = f->vector - IRQ_BASE;
    if (irq == 7 || irq == 15) {                /* spurious? check the ISR */
        uint16_t cmd = irq == 7 ? 0x20 : 0xa0;
        outb(cmd, 0x0b);
        if (!(inb(cmd) & 0x80)) {
            if (irq == 15)
                outb(0x20, 0x20);
            return 1;
        }
    }
    irq_counts[irq]++;
    if (irq_handlers[irq])
        irq_handlers[irq](irq, f);
    if (irq >= 8)
        outb(0xa0, 0x20);
    outb(0x20, 0x20);
    return 1;
}

uint32_t arch_read_cr2(void) { return read_cr2(); }

uint32_t irq_save(void)
{
    uint32_t f = read_eflags();
    __asm__ volatile("cli" ::: "memory");
    return f & EFLAGS_IF;
}

void irq_restore(uint32_t state)
{
    if (state)
        __asm__ volatile("sti" ::: "memory");
    else
        __asm__ volatile("cli" ::: "memory");
}

void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

void cpu_idle(void)
{
    /* sti's one-instruction shadow makes sti;hlt atomic: no lost wake-up. */
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* ---- start ------------------------------------------------------------ */
void native_start(uint32_t magic, const struct multiboot_info *info)
{
    com1_init();
    desc_init();
    pic_init();
    if (magic != 0x2BADB002u)
        fail("not started by a multiboot loader (eax=%#x)", magic);
    multiboot_info = info;
    if (info->flags & 4) {
        strlcpy(cmdline, (const char *)info->cmdline, sizeof cmdline);
        /* Loaders put the image path first ("/boot/x.elf key=v"): drop a
         * first word that is not itself a key=value argument. */
        const char *p = cmdline;
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        int has_eq = 0;
        for (const char *q = w; q < p; q++)
            has_eq |= *q == '=';
        if (!has_eq)
            while (*p == ' ')
                p++;
        args = has_eq ? w : p;
    }
    native_time_init();
    guest_main();
    fail("guest_main returned without a result");
}
