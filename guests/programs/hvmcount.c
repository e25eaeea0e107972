/*
 * hvmcount -- a counter an HVM domain prints while its timer interrupts tick (native flavor
 * only: oxen runs it with type = "hvm"), for save, restore and live migration of HVM domains.
 *
 * The PIT ticks at 100 Hz (IRQ 0, mode 2) and the vcpu waits in HLT between ticks; every
 * `every` ticks (default 10) it prints "hvmcount: <n>" with n = 1, 2, 3 ... on COM1, so a
 * domain saved and restored (or migrated) mid-run must go on with n + 1: no gap, no repeat.
 * With evtchn=1 it first sets up Xen's HVM platform interface as an HVM kernel's PV drivers do
 * (the hypercall page, shared_info by add_to_physmap, an IPI event channel whose upcall arrives
 * as the Xen platform PCI device's INTx, routed to ISA IRQ 11) and sends itself one event per
 * line: each must arrive as an interrupt, and the line says how many did ("events=<n>").
 * count=N ends after line N with RESULT: PASS (default 3; 0: runs until stopped).
 */
#include <kit.h>
#include <oxen/xenhvm.h>

#define EVENT_IRQ 11
#define CALLBACK_VIA(type, v) ((uint64_t)(type) << 56 | (v))

static union xenhvm_shared_info_page shinfo_page __attribute__((aligned(4096)));
static uint32_t ipi_port;

static void platform_init(void)
{
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID");
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "the hypercall page was not filled");
    CHECK_EQ(xenhvm_map_shared_info(&shinfo_page.s), 0, "add_to_physmap(shared_info)");
    int devfn = xenhvm_platform_devfn();
    CHECK(devfn >= 0, "no Xen platform PCI device");
    unsigned pin = (pci_read32((unsigned)devfn, 0x3c) >> 8) & 0xff;
    unsigned pirq = ((unsigned)(devfn >> 3) - 1 + pin - 1) & 3;
    pci_write8(0x08, 0x60 + pirq, EVENT_IRQ);
    pci_write8((unsigned)devfn, 0x3c, EVENT_IRQ);
    xenhvm_events_on_irq(EVENT_IRQ);
    evtchn_bind_ipi_t ipi = { .vcpu = 0 };
    CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi), 0, "EVTCHNOP_bind_ipi");
    CHECK(ipi.port < 32, "port %u", ipi.port);
    ipi_port = ipi.port;
    uint64_t via = CALLBACK_VIA(HVM_PARAM_CALLBACK_TYPE_PCI_INTX, (uint64_t)devfn << 8 | (pin - 1));
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_CALLBACK_IRQ, via), 0, "CALLBACK_IRQ = the platform device's INTx");
    printf("hvmcount: events on port %u by the platform device's INTx (IRQ %u)\n", ipi_port, EVENT_IRQ);
}

/* Sends the IPI event and waits (with interrupts on, in HLT) until its upcall took it. */
static void event_round_trip(void)
{
    xenhvm_events = 0;
    evtchn_send_t send = { .port = ipi_port };
    CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_send, &send), 0, "EVTCHNOP_send");
    for (uint32_t i = 0; i < 1000000 && !(xenhvm_events & (1u << ipi_port)); i++)
        __asm__ volatile("sti; nop; cli" ::: "memory");
    CHECK(xenhvm_events & (1u << ipi_port), "the event on port %u did not arrive (upcalls %u)", ipi_port,
          xenhvm_upcalls);
}

void guest_main(void)
{
    uint32_t count = cmdline_u32("count", 3);
    uint32_t every = cmdline_u32("every", 10);
    int evtchn = (int)cmdline_u32("evtchn", 0);
    if (every == 0)
        every = 1;
    if (evtchn)
        platform_init();
    CHECK_EQ(timer_periodic(10000000ull), 0, "timer_periodic(10 ms)");
    uint32_t events = 0, ticks = timer_ticks;
    for (uint32_t n = 1; count == 0 || n <= count; n++) {
        while (timer_ticks - ticks < every)
            cpu_idle();
        ticks += every;
        if (evtchn) {
            irq_disable();
            event_round_trip();
            irq_enable();
            events++;
            printf("hvmcount: %u events=%u\n", n, events);
        } else {
            printf("hvmcount: %u\n", n);
        }
    }
    timer_periodic(0);
    pass();
}
