package org.oxen.vmm.abi;

/**
 * Event channels (event_channel.h, xen.h VIRQ_*), the 2-level ABI of an x86_32 guest: 32 words
 * of 32 bits in shared_info, so 1024 ports. Struct offsets are those of the i386 layout; every
 * struct is the argument of {@code event_channel_op(cmd, arg)}; the old
 * {@code event_channel_op_compat(op)} takes {@code struct evtchn_op {uint32 cmd; union u}} with
 * the same struct at offset {@link #COMPAT_ARG}.
 */
public final class EventChannel {
    private EventChannel() {
    }

    /** Ports of the 2-level ABI for a 32-bit guest (BITS_PER_EVTCHN_WORD²). */
    public static final int NR_EVENT_CHANNELS_2L = 32 * 32;

    // EVTCHNOP_*
    public static final int OP_BIND_INTERDOMAIN = 0;
    public static final int OP_BIND_VIRQ = 1;
    public static final int OP_BIND_PIRQ = 2;
    public static final int OP_CLOSE = 3;
    public static final int OP_SEND = 4;
    public static final int OP_STATUS = 5;
    public static final int OP_ALLOC_UNBOUND = 6;
    public static final int OP_BIND_IPI = 7;
    public static final int OP_BIND_VCPU = 8;
    public static final int OP_UNMASK = 9;
    public static final int OP_RESET = 10;
    public static final int OP_INIT_CONTROL = 11;
    public static final int OP_EXPAND_ARRAY = 12;
    public static final int OP_SET_PRIORITY = 13;

    // EVTCHNSTAT_*
    public static final int STAT_CLOSED = 0;
    public static final int STAT_UNBOUND = 1;
    public static final int STAT_INTERDOMAIN = 2;
    public static final int STAT_PIRQ = 3;
    public static final int STAT_VIRQ = 4;
    public static final int STAT_IPI = 5;

    // VIRQ_*
    public static final int VIRQ_TIMER = 0;
    public static final int VIRQ_DEBUG = 1;
    public static final int VIRQ_CONSOLE = 2;
    public static final int VIRQ_DOM_EXC = 3;
    public static final int VIRQ_TBUF = 4;
    public static final int VIRQ_DEBUGGER = 6;
    public static final int VIRQ_XENOPROF = 7;
    public static final int VIRQ_CON_RING = 8;
    public static final int VIRQ_PCPU_STATE = 9;
    public static final int VIRQ_MEM_EVENT = 10;
    public static final int VIRQ_ARGO = 11;
    public static final int VIRQ_ENOMEM = 12;
    public static final int VIRQ_XENPMU = 13;
    public static final int NR_VIRQS = 24;

    /** Xen's virq_is_global: TIMER, DEBUG, XENOPROF and XENPMU are per vcpu, every other VIRQ is global. */
    public static boolean virqIsGlobal(int virq) {
        return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF && virq != VIRQ_XENPMU;
    }

    /** evtchn_op.u in event_channel_op_compat. */
    public static final int COMPAT_ARG = 4;
    /** sizeof(struct evtchn_op): cmd + the largest member (evtchn_status, 24 bytes). */
    public static final int COMPAT_SIZE = 28;

    // struct evtchn_alloc_unbound {domid_t dom, remote_dom; evtchn_port_t port /* OUT */}
    public static final int ALLOC_UNBOUND_DOM = 0;
    public static final int ALLOC_UNBOUND_REMOTE_DOM = 2;
    public static final int ALLOC_UNBOUND_PORT = 4;
    // struct evtchn_bind_interdomain {domid_t remote_dom; port remote_port; port local_port /* OUT */}
    public static final int BIND_INTERDOMAIN_REMOTE_DOM = 0;
    public static final int BIND_INTERDOMAIN_REMOTE_PORT = 4;
    public static final int BIND_INTERDOMAIN_LOCAL_PORT = 8;
    // struct evtchn_bind_virq {uint32 virq, vcpu; port /* OUT */}
    public static final int BIND_VIRQ_VIRQ = 0;
    public static final int BIND_VIRQ_VCPU = 4;
    public static final int BIND_VIRQ_PORT = 8;
    // struct evtchn_bind_ipi {uint32 vcpu; port /* OUT */}
    public static final int BIND_IPI_VCPU = 0;
    public static final int BIND_IPI_PORT = 4;
    // struct evtchn_bind_vcpu {port; uint32 vcpu}
    public static final int BIND_VCPU_PORT = 0;
    public static final int BIND_VCPU_VCPU = 4;
    // struct evtchn_status {domid_t dom; port; OUT: uint32 status, vcpu; union u @16}
    public static final int STATUS_DOM = 0;
    public static final int STATUS_PORT = 4;
    public static final int STATUS_STATUS = 8;
    public static final int STATUS_VCPU = 12;
    /** u.unbound.dom, u.interdomain.dom, u.pirq, u.virq */
    public static final int STATUS_U = 16;
    /** u.interdomain.port */
    public static final int STATUS_U_PORT = 20;
    public static final int STATUS_SIZE = 24;
    // struct evtchn_reset {domid_t dom}
    public static final int RESET_DOM = 0;
    // close, send, unmask: {port}
}
