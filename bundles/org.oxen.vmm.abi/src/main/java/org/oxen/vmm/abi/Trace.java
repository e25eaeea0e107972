package org.oxen.vmm.abi;

/**
 * The trace buffer's records (public/trace.h): event classes and numbers, the record header and
 * the binary file's framing as xentrace writes it. oxen's own events (Xen traces no event
 * channels and no hypercall return) use a class bit and sub-class numbers Xen leaves free,
 * marked "oxen" below; everything else is Xen's number.
 */
public final class Trace {
    private Trace() {
    }

    /** Extra 32-bit words a record may carry (Xen's TRACE_EXTRA_MAX). */
    public static final int TRACE_EXTRA_MAX = 7;
    /** Where the header keeps its extra count (bits 28-30). */
    public static final int TRACE_EXTRA_SHIFT = 28;
    /** Header bit 31: the record carries a 64-bit timestamp after the header. */
    public static final int TRC_HD_CYCLE_FLAG = 1 << 31;
    /** The event number in a header: its low 28 bits. */
    public static final int TRC_EVENT_MASK = 0x0fffffff;

    // classes (a mask of these, or of single events, selects what is traced)
    public static final int TRC_GEN = 0x0001f000;
    public static final int TRC_SCHED = 0x0002f000;
    public static final int TRC_DOM0OP = 0x0004f000;
    public static final int TRC_HVM = 0x0008f000;
    public static final int TRC_MEM = 0x0010f000;
    public static final int TRC_PV = 0x0020f000;
    public static final int TRC_SHADOW = 0x0040f000;
    public static final int TRC_HW = 0x0080f000;
    /** oxen: event channels (a class bit Xen does not use). */
    public static final int TRC_OXEN_EVTCHN = 0x0100f000;
    /** oxen: Domain-0's split-driver backends, blkback and netback (a class bit Xen does not use). */
    public static final int TRC_OXEN_BACKEND = 0x0200f000;
    public static final int TRC_GUEST = 0x0800f000;
    public static final int TRC_ALL = 0x0ffff000;

    // sub-classes
    public static final int TRC_SCHED_MIN = 0x00021000;
    public static final int TRC_SCHED_VERBOSE = 0x00028000;
    public static final int TRC_DOM0_DOMOPS = 0x00041000;
    public static final int TRC_HVM_HANDLER = 0x00082000;
    public static final int TRC_PV_ENTRY = 0x00201000;
    public static final int TRC_PV_SUBCALL = 0x00202000;
    /** oxen: hypervisor returns to PV guests. */
    public static final int TRC_PV_OXEN_EXIT = 0x00204000;
    /** oxen: a PV guest's port I/O, emulated (trace.h's TRC_PV uses sub-classes 1 and 2). */
    public static final int TRC_PV_OXEN_IO = 0x00208000;
    public static final int TRC_OXEN_EVTCHN_OPS = 0x01001000;
    public static final int TRC_OXEN_BLKBACK = 0x02001000;
    public static final int TRC_OXEN_NETBACK = 0x02002000;

    // TRC_GEN
    /** Records a full buffer could not take: {lost, first_tsc_lo, first_tsc_hi, cpu}. */
    public static final int TRC_LOST_RECORDS = TRC_GEN + 1;
    /** The binary file's per-buffer header: {cpu, byte_count of the records after it}. */
    public static final int TRC_TRACE_CPU_CHANGE = TRC_GEN + 3;

    // TRC_SCHED: {domid, vcpu} unless said
    public static final int TRC_SCHED_WAKE = TRC_SCHED_VERBOSE + 4;
    public static final int TRC_SCHED_YIELD = TRC_SCHED_VERBOSE + 5;
    public static final int TRC_SCHED_BLOCK = TRC_SCHED_VERBOSE + 6;
    public static final int TRC_SCHED_SHUTDOWN = TRC_SCHED_VERBOSE + 7;
    /** {prev domid, prev vcpu, next domid, next vcpu}; the idle vcpu is {@link #IDLE_DOMID}, vcpu = pCPU. */
    public static final int TRC_SCHED_SWITCH = TRC_SCHED_VERBOSE + 10;
    /** Xen's DOMID_IDLE, the idle domain in switch records. */
    public static final int IDLE_DOMID = 0x7FFF;

    // TRC_DOM0OP: {domid}
    public static final int TRC_DOM0_DOM_ADD = TRC_DOM0_DOMOPS + 1;
    public static final int TRC_DOM0_DOM_REM = TRC_DOM0_DOMOPS + 2;

    // TRC_HVM: {port, size, data} (Xen's records carry the port and data)
    public static final int TRC_HVM_IOPORT_READ = TRC_HVM_HANDLER + 0x16;
    public static final int TRC_HVM_IOPORT_WRITE = TRC_HVM_HANDLER + 0x216;

    // TRC_MEM
    /** A grant mapped: {granter domid} (Xen's record; oxen adds the mapper's domid and the grant ref). */
    public static final int TRC_MEM_PAGE_GRANT_MAP = TRC_MEM + 1;
    public static final int TRC_MEM_PAGE_GRANT_UNMAP = TRC_MEM + 2;
    /** oxen: a page-table entry written through mmu_update: {domid, pte machine address, new value lo, new value hi}. */
    public static final int TRC_MEM_OXEN_PT_UPDATE = TRC_MEM + 0x20;

    // TRC_PV
    /** Hypercall entry: {op | TRC_PV_HYPERCALL_V2_ARG_32 bits of the args that follow, args...}. */
    public static final int TRC_PV_HYPERCALL_V2 = TRC_PV_ENTRY + 13;
    /** A multicall's entry, same layout. */
    public static final int TRC_PV_HYPERCALL_SUBCALL = TRC_PV_SUBCALL + 14;
    /** A guest store into its own page table, emulated (writable page tables): {domid, eip, address, L1 mfn} (oxen's words). */
    public static final int TRC_PV_PTWR_EMULATION_PAE = TRC_PV_ENTRY + 12;
    /** oxen: hypercall return: {op, result}. */
    public static final int TRC_PV_OXEN_HYPERCALL_RETURN = TRC_PV_OXEN_EXIT + 1;

    /** oxen: a PV guest's IN, emulated: {domid, port, size, data} (all ones: a PV guest owns no port). */
    public static final int TRC_PV_OXEN_IOPORT_READ = TRC_PV_OXEN_IO + 1;
    /** oxen: a PV guest's OUT, emulated (the value dropped): {domid, port, size, data}. */
    public static final int TRC_PV_OXEN_IOPORT_WRITE = TRC_PV_OXEN_IO + 2;

    /** Bits of a V2 hypercall record's first word saying argument {@code i} follows, 32 bits wide. */
    public static int hypercallV2Arg32(int i) {
        return 1 << (20 + 2 * i);
    }

    // TRC_OXEN_EVTCHN (oxen)
    /** EVTCHNOP_send: {domid, vcpu, port}. */
    public static final int TRC_OXEN_EVTCHN_SEND = TRC_OXEN_EVTCHN_OPS + 1;
    /** A port became pending in a domain: {domid, port}. */
    public static final int TRC_OXEN_EVTCHN_DELIVER = TRC_OXEN_EVTCHN_OPS + 2;
    /** An event upcall bounced to a vcpu's callback: {domid, vcpu}. */
    public static final int TRC_OXEN_EVTCHN_UPCALL = TRC_OXEN_EVTCHN_OPS + 3;

    // TRC_OXEN_BACKEND (oxen; written from Domain-0's threads, into its buffer)
    /** A blkif request answered: {frontend domid, devid, operation (BLKIF_OP_*, an indirect request's own), segments, status}. */
    public static final int TRC_OXEN_BLKBACK_REQUEST = TRC_OXEN_BLKBACK + 1;
    /** A frame the guest sent, taken from its netif tx ring: {domid, devid, bytes, status}. */
    public static final int TRC_OXEN_NETBACK_TX = TRC_OXEN_NETBACK + 1;
    /** A frame given to the guest on its netif rx ring: {domid, devid, bytes, status}. */
    public static final int TRC_OXEN_NETBACK_RX = TRC_OXEN_NETBACK + 2;

    /** A header: the event, {@code extra} words, and the cycles flag when a timestamp follows. */
    public static int header(int event, int extra, boolean cycles) {
        return (event & TRC_EVENT_MASK) | (extra & TRACE_EXTRA_MAX) << TRACE_EXTRA_SHIFT | (cycles ? TRC_HD_CYCLE_FLAG : 0);
    }

    /** Whether a mask (xentrace -e) selects {@code event}: Xen's {@code (tb_event_mask & event)} test on the class bits, then the sub-class. */
    public static boolean selects(int mask, int event) {
        return (mask & event & 0x0fff0000) != 0 && (mask & event & 0x0000f000) != 0;
    }
}
