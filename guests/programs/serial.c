/*
 * serial -- a native program that answers keys typed at its serial console
 * (COM1): the two-way console of an HVM domain (xl console) or of the bare
 * machine. Keys arrive by the UART's receive interrupt (IER bit 0, OUT2 for
 * the PIC's IRQ 4); each is echoed as a terminal's line discipline would,
 * and a finished line (CR or LF) is run:
 *
 *   echo WORDS   prints WORDS
 *   sum A B      prints A + B
 *   quit         passes
 *
 * It prints "serial> " as its prompt; lines=N passes after N lines.
 */
#include <kit.h>
#include <oxen/native.h>

#define COM1_IRQ 4
#define UART_RBR 0
#define UART_IER 1
#define UART_LSR 5
#define UART_MCR 4
#define LSR_DR   0x01

static volatile char rx[256];
static volatile uint32_t rx_head, rx_tail;

static void com1_irq(unsigned irq, struct trap_frame *f)
{
    (void)irq; (void)f;
    while (inb(COM1_PORT + UART_LSR) & LSR_DR) {
        uint8_t c = inb(COM1_PORT + UART_RBR);
        if (rx_head - rx_tail < sizeof rx)
            rx[rx_head++ % sizeof rx] = (char)c;
    }
}

static int getc_blocking(void)
{
    uint32_t s = irq_save();
    while (rx_tail == rx_head)
        cpu_idle();                 /* sti; hlt; cli: the receive interrupt wakes it */
    int c = rx[rx_tail++ % sizeof rx];
    irq_restore(s);
    return c;
}

static void run(const char *line)
{
    if (strncmp(line, "echo ", 5) == 0) {
        printf("%s\n", line + 5);
    } else if (strncmp(line, "sum ", 4) == 0) {
        const char *end;
        unsigned long long a = strtoull_kit(line + 4, &end);
        unsigned long long b = strtoull_kit(end + (*end == ' '), &end);
        printf("%llu\n", a + b);
    } else if (strcmp(line, "quit") == 0) {
        printf("serial: bye\n");
        pass();
    } else if (line[0]) {
        printf("serial: unknown command '%s' (echo WORDS, sum A B, quit)\n", line);
    }
}

void guest_main(void)
{
    uint32_t lines = cmdline_u32("lines", 0), done = 0;
    irq_set_handler(COM1_IRQ, com1_irq);
    outb(COM1_PORT + UART_MCR, 0x0b);   /* DTR, RTS, OUT2: the UART's interrupt reaches the PIC */
    outb(COM1_PORT + UART_IER, 0x01);   /* received data available */
    printf("serial: type a line (echo WORDS, sum A B, quit)\n");
    char line[128];
    size_t n = 0;
    int last = 0;
    puts_raw("serial> ");
    for (;;) {
        int c = getc_blocking(), prev = last;
        last = c;
        if (c == '\r' || c == '\n') {
            if (c == '\n' && prev == '\r')
                continue;           /* the LF of a CR LF */
            puts_raw("\n");
            line[n] = 0;
            run(line);
            n = 0;
            if (lines && ++done == lines)
                pass();
            puts_raw("serial> ");
        } else if ((c == 0x7f || c == 8) && n > 0) {
            n--;
            puts_raw("\b \b");
        } else if (c >= ' ' && c < 0x7f && n < sizeof line - 1) {
            line[n++] = (char)c;
            char e[2] = { (char)c, 0 };
            puts_raw(e);
        }
    }
}
