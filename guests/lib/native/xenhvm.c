/*
 * xenhvm.c -- the Xen platform interface for native programs in an HVM
 * domain (see <oxen/xenhvm.h>). Paging is off (or identity): guest-physical
 * addresses are pointers.
 */
#include <oxen/xenhvm.h>
#include <oxen/xenstore.h>

/* The hypercall page the MSR fills (the PV flavor's comes from the ELF note). */
char hypercall_page[4096] __attribute__((aligned(4096)));

struct shared_info *xenhvm_shared_info;
volatile uint32_t xenhvm_events, xenhvm_upcalls;

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

int xenhvm_detect(struct xenhvm_info *info)
{
    uint32_t a, b, c, d;
    memset(info, 0, sizeof *info);
    if (!cpu_has_cpuid())
        return -1;
    /* Linux's xen_cpuid_base: the first 0x100-aligned base with the signature */
    for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000; base += 0x100) {
        cpuid(base, &a, &b, &c, &d);
        if (b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX && d == XEN_CPUID_SIGNATURE_EDX
            && a - base >= 2) {
            info->base = base;
            info->max_leaf = a;
            cpuid(base + 1, &a, &b, &c, &d);
            info->version = a;
            cpuid(base + 2, &a, &b, &c, &d);
            info->pages = a;
            info->msr = b;
            if (info->max_leaf >= base + 4) {
                cpuid(base + 4, &a, &b, &c, &d);
                info->hvm_flags = a;
                info->vcpu_id = b;
                info->domid = c;
            }
            return 0;
        }
    }
    return -1;
}

int xenhvm_init_hypercalls(const struct xenhvm_info *info)
{
    if (info->pages < 1)
        return -1;
    wrmsr(info->msr, (uint32_t)hypercall_page);
    /* slot 0: mov $0,%eax (b8 00 00 00 00) then a vmcall or vmmcall */
    const uint8_t *p = (const uint8_t *)hypercall_page;
    if (p[0] != 0xb8 || p[5] != 0x0f || p[6] != 0x01 || (p[7] != 0xc1 && p[7] != 0xd9))
        return -1;
    return 0;
}

long xenhvm_param_for(domid_t dom, int op, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = dom, .index = index,
                               .value = op == HVMOP_set_param && value ? *value : 0 };
    long rc = HYPERVISOR_hvm_op(op, &p);
    if (rc == 0 && op == HVMOP_get_param && value)
        *value = p.value;
    return rc;
}

long xenhvm_get_param(uint32_t index, uint64_t *value)
{
    return xenhvm_param_for(DOMID_SELF, HVMOP_get_param, index, value);
}

long xenhvm_set_param(uint32_t index, uint64_t value)
{
    return xenhvm_param_for(DOMID_SELF, HVMOP_set_param, index, &value);
}

long xenhvm_map_shared_info(struct shared_info *page)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = (uint32_t)page >> 12,
    };
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
    if (rc == 0)
        xenhvm_shared_info = page;
    return rc;
}

/* ---- PCI ---------------------------------------------------------------- */
uint32_t pci_read32(unsigned devfn, unsigned reg)
{
    outl(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
    return inl(0xcfc);
}

void pci_write8(unsigned devfn, unsigned reg, uint8_t v)
{
    outl(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
    outb(0xcfc + (reg & 3), v);
}

int xenhvm_platform_devfn(void)
{
    for (unsigned devfn = 0; devfn < 256; devfn += 8)
        if (pci_read32(devfn, 0) == 0x00015853)
            return (int)devfn;
    return -1;
}

/* ---- upcalls ---------------------------------------------------------------- */
static void upcall(unsigned irq, struct trap_frame *f)
{
    (void)irq; (void)f;
    struct shared_info *s = xenhvm_shared_info;
    if (!s)
        return;
    struct vcpu_info *vi = &s->vcpu_info[0];
    xenhvm_upcalls++;
    /* as Linux's __xen_evtchn_do_upcall: clear the flag first, then the selector, then the ports */
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    uint32_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned w = (unsigned)__builtin_ctz(sel);
        sel &= sel - 1;
        uint32_t bits = s->evtchn_pending[w] & ~s->evtchn_mask[w];
        __atomic_fetch_and(&s->evtchn_pending[w], ~bits, __ATOMIC_SEQ_CST);
        if (w == 0)
            __atomic_fetch_or(&xenhvm_events, bits, __ATOMIC_SEQ_CST);
    }
}

void xenhvm_events_on_irq(unsigned irq)
{
    irq_set_handler(irq, upcall);
}

int xenhvm_events_via_platform(unsigned irq)
{
    return xenhvm_callback_via_platform(irq, upcall);
}

int xenhvm_callback_via_platform(unsigned irq, irq_handler_t h)
{
    int devfn = xenhvm_platform_devfn();
    if (devfn < 0)
        return -1;
    unsigned pin = (pci_read32((unsigned)devfn, 0x3c) >> 8) & 0xff;
    if (pin < 1 || pin > 4)
        return -1;
    /* as a BIOS routes it: PIIX3's (00:01.0) PIRQ route register for the slot's swizzled pin, and the line register */
    unsigned pirq = ((unsigned)(devfn >> 3) - 1 + pin - 1) & 3;
    pci_write8(0x08, 0x60 + pirq, (uint8_t)irq);
    pci_write8((unsigned)devfn, 0x3c, (uint8_t)irq);
    irq_set_handler(irq, h);
    uint64_t via = (uint64_t)HVM_PARAM_CALLBACK_TYPE_PCI_INTX << 56 | (uint64_t)devfn << 8 | (pin - 1);
    return xenhvm_set_param(HVM_PARAM_CALLBACK_IRQ, via) ? -1 : 0;
}

/* ---- xenstore ------------------------------------------------------------- */
static struct xenstore_domain_interface *xs;
static uint32_t xs_evtchn, xs_req_id;

int xenhvm_xs_init(void)
{
    uint64_t pfn = 0, port = 0;
    if (xenhvm_get_param(HVM_PARAM_STORE_PFN, &pfn) || xenhvm_get_param(HVM_PARAM_STORE_EVTCHN, &port))
        return -1;
    xs = (struct xenstore_domain_interface *)(uint32_t)(pfn << 12);
    xs_evtchn = (uint32_t)port;
    return 0;
}

static void xs_notify(void)
{
    evtchn_send_t send = { .port = xs_evtchn };
    HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

/* Waits (hlt with interrupts on) until cond or about 2^22 polls; 0 on cond. */
#define XS_WAIT(cond) ({ int _ok = 0;                                         \
        for (uint32_t _i = 0; _i < (1u << 22); _i++) {                       \
            if (cond) { _ok = 1; break; }                                    \
            __asm__ volatile("sti; hlt; cli" ::: "memory");                  \
        } _ok ? 0 : -1; })

static int xs_put(const void *data, uint32_t len)
{
    const char *b = data;
    for (uint32_t i = 0; i < len; ) {
        if (XS_WAIT(xs->req_prod - xs->req_cons < XENSTORE_RING_SIZE))
            return -1;
        while (i < len && xs->req_prod - xs->req_cons < XENSTORE_RING_SIZE) {
            xs->req[xs->req_prod % XENSTORE_RING_SIZE] = b[i++];
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            xs->req_prod++;
        }
        xs_notify();
    }
    return 0;
}

static int xs_get(void *data, uint32_t len)
{
    char *b = data;
    for (uint32_t i = 0; i < len; ) {
        if (XS_WAIT(xs->rsp_prod != xs->rsp_cons))
            return -1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        while (i < len && xs->rsp_prod != xs->rsp_cons) {
            b[i++] = xs->rsp[xs->rsp_cons % XENSTORE_RING_SIZE];
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            xs->rsp_cons++;
        }
        xs_notify();
    }
    return 0;
}

int xenhvm_xs_request(uint32_t type, const char *payload, uint32_t len, char *buf, size_t n)
{
    struct xsd_sockmsg h = { .type = type, .req_id = ++xs_req_id, .tx_id = 0, .len = len };
    uint32_t s = irq_save();
    int rc = xs_put(&h, sizeof h) || xs_put(payload, len) ? -1 : 0;
    struct xsd_sockmsg r;
    while (rc == 0) {
        if (xs_get(&r, sizeof r) || r.len >= n || xs_get(buf, r.len)) {
            rc = -1;
            break;
        }
        buf[r.len] = 0;
        if (r.type == XS_WATCH_EVENT)
            continue;               /* none asked for; skip */
        if (r.req_id != h.req_id) {
            rc = -1;
            break;
        }
        if (r.type == XS_ERROR) {
            char e[32];
            strlcpy(e, buf, sizeof e);
            snprintf(buf, n, "ERR %s", e);
            rc = -1;
        }
        break;
    }
    irq_restore(s);
    if (rc && strncmp(buf, "ERR ", 4) != 0)
        snprintf(buf, n, "ERR ring");
    return rc;
}
