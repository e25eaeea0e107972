package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Version;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;

/** xen_version. oxen reports Xen 4.1 (the last Xen with an x86_32 PAE hypervisor). */
final class VersionHypercalls {

    static final String EXTRAVERSION = ".0-oxen";
    static final String CAPABILITIES = "xen-3.0-x86_32p";
    static final int FEATURES = 1 << Version.XENFEAT_PAE_PGDIR_ABOVE_4GB | 1 << Version.XENFEAT_MMU_PT_UPDATE_PRESERVE_AD;

    private final Services s;

    VersionHypercalls(Services s) {
        this.s = s;
    }

    long xenVersion(VcpuImpl v, int cmd, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        if (cmd == Version.XENVER_VERSION) {
            return s.versionNumber();
        }
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        switch (cmd) {
            case Version.XENVER_EXTRAVERSION:
                g.writeFixed(cr3, arg, EXTRAVERSION, Version.EXTRAVERSION_LEN);
                return 0;
            case Version.XENVER_COMPILE_INFO: {
                byte[] info = new byte[Version.COMPILE_INFO_SIZE];
                put(info, 0, 64, "javac " + Runtime.version().feature());
                put(info, 64, 16, "oxen");
                put(info, 80, 32, "oxen.invalid");
                put(info, 112, 32, "2026-11-21");
                g.write(cr3, arg, info, 0, info.length);
                return 0;
            }
            case Version.XENVER_CAPABILITIES:
                g.writeFixed(cr3, arg, CAPABILITIES, Version.CAPABILITIES_LEN);
                return 0;
            case Version.XENVER_CHANGESET:
                g.writeFixed(cr3, arg, "oxen vmm core", Version.CHANGESET_LEN);
                return 0;
            case Version.XENVER_PLATFORM_PARAMETERS:
                g.write32(cr3, arg, Xen.HYPERVISOR_VIRT_START);
                return 0;
            case Version.XENVER_GET_FEATURES: {
                int idx = g.read32(cr3, arg);
                if (idx != 0) return EINVAL;
                // as Xen's get_features: XENFEAT_writable_page_tables only for translated
                // (paging_mode_translate) domains, never for a PV one, whose writable page tables
                // are the writable_pagetables vm_assist
                g.write32(cr3, arg + 4, FEATURES);
                return 0;
            }
            case Version.XENVER_PAGESIZE:
                return Xen.PAGE_SIZE;
            case Version.XENVER_GUEST_HANDLE: {
                byte[] h = new byte[Version.GUEST_HANDLE_LEN];
                int id = v.domain().id();
                h[0] = 'o';
                h[1] = 'x';
                h[12] = (byte) (id >>> 24);
                h[13] = (byte) (id >>> 16);
                h[14] = (byte) (id >>> 8);
                h[15] = (byte) id;
                g.write(cr3, arg, h, 0, h.length);
                return 0;
            }
            case Version.XENVER_COMMANDLINE:
                g.writeFixed(cr3, arg, "", Version.COMMANDLINE_LEN);
                return 0;
            default:
                return ENOSYS;
        }
    }

    private static void put(byte[] b, int off, int len, String s) {
        byte[] x = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, off, Math.min(x.length, len - 1));
    }
}
