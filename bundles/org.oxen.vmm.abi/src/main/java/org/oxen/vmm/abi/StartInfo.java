package org.oxen.vmm.abi;

/** {@code start_info_t} (xen.h), i386 layout, 1112 bytes. */
public final class StartInfo {
    private StartInfo() {
    }

    public static final String MAGIC = "xen-3.0-x86_32p";
    public static final int SIZE = 1112;
    public static final int MAGIC_OFF = 0;
    public static final int MAGIC_LEN = 32;
    public static final int NR_PAGES = 32;
    public static final int SHARED_INFO = 36;
    public static final int FLAGS = 40;
    public static final int STORE_MFN = 44;
    public static final int STORE_EVTCHN = 48;
    public static final int CONSOLE_MFN = 52;
    public static final int CONSOLE_EVTCHN = 56;
    public static final int PT_BASE = 60;
    public static final int NR_PT_FRAMES = 64;
    public static final int MFN_LIST = 68;
    public static final int MOD_START = 72;
    public static final int MOD_LEN = 76;
    public static final int CMD_LINE = 80;
    public static final int MAX_GUEST_CMDLINE = 1024;

    public static final int SIF_PRIVILEGED = 1;
    public static final int SIF_INITDOMAIN = 2;
}
