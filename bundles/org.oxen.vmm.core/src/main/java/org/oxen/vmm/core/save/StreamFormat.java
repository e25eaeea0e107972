package org.oxen.vmm.core.save;

/**
 * oxen's domain save/migration stream, modelled on Xen's migration stream v2
 * (docs/specs/libxc-migration-stream.pandoc): an image header, a domain header, then records
 * of {type, body length, CRC32} with bodies padded to 8 bytes, ending with an END record. The
 * layout is documented for users in docs/migration-stream.md; this class is its one copy in
 * code (record types, field sizes, limits).
 */
public final class StreamFormat {
    private StreamFormat() {
    }

    /** Image header: marker (all ones), id, version, options, reserved. Big-endian, as Xen's. */
    public static final long MARKER = 0xFFFFFFFFFFFFFFFFL;
    /** "OXNF": oxen's stream (Xen's is "XENF", 0x58454E46; the bodies differ, so the id does). */
    public static final int ID = 0x4F584E46;
    public static final int VERSION = 1;
    /** Options bit 0: the records are big-endian (oxen writes little-endian, 0, and reads only that). */
    public static final int OPT_BIG_ENDIAN = 1;
    public static final int IMAGE_HEADER_SIZE = 24;

    /** Domain header: type, page shift, reserved, hypervisor major and minor. Little-endian. */
    public static final int DHDR_TYPE_X86_PV = 1;
    /** Xen's DHDR_TYPE_X86_HVM: an HVM domain (pages by gfn, HVM_CONTEXT, HVM_PARAMS). */
    public static final int DHDR_TYPE_X86_HVM = 2;
    public static final int PAGE_SHIFT = 12;
    public static final int DOMAIN_HEADER_SIZE = 16;

    /** Record header: type, body length, CRC32 of type, length and body, reserved. */
    public static final int RECORD_HEADER_SIZE = 16;
    /** The largest body oxen writes or accepts: one PAGE_DATA batch with its pfns. */
    public static final int MAX_BODY = 8 + BatchLimits.MAX_BATCH * (8 + 4096);

    // ---- record types (Xen's numbers where Xen has the record; oxen's own from 0x100) ----
    public static final int REC_END = 0x0000;
    public static final int REC_PAGE_DATA = 0x0001;
    public static final int REC_X86_PV_INFO = 0x0002;
    public static final int REC_X86_PV_P2M_FRAMES = 0x0003;
    public static final int REC_X86_PV_VCPU_BASIC = 0x0004;
    /** Xen's HVM_CONTEXT: the vcpus' and devices' save records (oxen's entries, below). */
    public static final int REC_HVM_CONTEXT = 0x0005;
    public static final int REC_SHARED_INFO = 0x0007;
    /** Xen's HVM_PARAMS: count, reserved, then {index, value} u64 pairs. */
    public static final int REC_HVM_PARAMS = 0x0008;
    public static final int REC_TOOLSTACK = 0x000B;
    /** oxen: the domain's configuration (first record). */
    public static final int REC_DOMAIN_CONFIG = 0x0100;
    /** oxen: a vcpu's state beyond vcpu_guest_context (online, timers, callbacks). */
    public static final int REC_VCPU_STATE = 0x0101;
    /** oxen: an HVM domain's platform (guest time, serial, shared_info's gfn, grant frames, event channels). */
    public static final int REC_HVM_PLATFORM = 0x0102;
    /** oxen: an HVM domain's build (right after DOMAIN_CONFIG): RAM pages (u32), xl.cfg serial (u16 + UTF-8). */
    public static final int REC_X86_HVM_INFO = 0x0103;

    /** HVM_CONTEXT entry types: Xen's HVM_SAVE_CODE(CPU); oxen's device entry (by id and type). */
    public static final int HVM_CODE_CPU = 2;
    public static final int HVM_CODE_DEVICE = 0x100;
    /** The largest device state an HVM_CONTEXT entry may hold. */
    public static final int MAX_DEVICE_STATE = 1 << 16;

    /** PAGE_DATA pfn entries: bits 0-51 the pfn, bits 60-63 the type (XEN_DOMCTL_PFINFO_* >> 28). */
    public static final long PFN_MASK = (1L << 52) - 1;
    public static final int TYPE_SHIFT = 60;
    public static final int TYPE_NOTAB = 0x0;
    public static final int TYPE_L1TAB = 0x1;
    public static final int TYPE_L2TAB = 0x2;
    public static final int TYPE_L3TAB = 0x3;
    public static final int TYPE_LTAB_MASK = 0x7;
    public static final int TYPE_LPINTAB = 0x8;
    /** A pfn with no frame (ballooned out): no data follows. */
    public static final int TYPE_XTAB = 0xF;

    /** X86_PV_INFO: guest width 4 (32-bit), page-table levels 3 (PAE). */
    public static final int GUEST_WIDTH = 4;
    public static final int PT_LEVELS = 3;

    /** Batches of pages per PAGE_DATA record (libxc's MAX_BATCH_SIZE). */
    public static final class BatchLimits {
        private BatchLimits() {
        }

        public static final int MAX_BATCH = 1024;
    }

    public static String recordName(int type) {
        switch (type) {
            case REC_END: return "END";
            case REC_PAGE_DATA: return "PAGE_DATA";
            case REC_X86_PV_INFO: return "X86_PV_INFO";
            case REC_X86_PV_P2M_FRAMES: return "X86_PV_P2M_FRAMES";
            case REC_X86_PV_VCPU_BASIC: return "X86_PV_VCPU_BASIC";
            case REC_SHARED_INFO: return "SHARED_INFO";
            case REC_TOOLSTACK: return "TOOLSTACK";
            case REC_DOMAIN_CONFIG: return "DOMAIN_CONFIG";
            case REC_VCPU_STATE: return "VCPU_STATE";
            case REC_HVM_CONTEXT: return "HVM_CONTEXT";
            case REC_HVM_PARAMS: return "HVM_PARAMS";
            case REC_HVM_PLATFORM: return "HVM_PLATFORM";
            case REC_X86_HVM_INFO: return "X86_HVM_INFO";
            default: return String.format("unknown (0x%x)", type);
        }
    }

    public static String typeName(int t) {
        String s;
        switch (t & TYPE_LTAB_MASK) {
            case TYPE_NOTAB: s = t == TYPE_XTAB ? "XTAB" : "NOTAB"; break;
            case TYPE_L1TAB: s = "L1TAB"; break;
            case TYPE_L2TAB: s = "L2TAB"; break;
            case TYPE_L3TAB: s = "L3TAB"; break;
            default: s = "type " + t;
        }
        if (t != TYPE_XTAB && (t & TYPE_LPINTAB) != 0) s += "|LPINTAB";
        return s;
    }
}
