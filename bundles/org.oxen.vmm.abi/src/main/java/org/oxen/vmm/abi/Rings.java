package org.oxen.vmm.abi;

/** Console ring (io/console.h) and xenstore ring (io/xs_wire.h) layouts. */
public final class Rings {
    private Rings() {
    }

    public static final int CONS_IN = 0;
    public static final int CONS_IN_SIZE = 1024;
    public static final int CONS_OUT = 1024;
    public static final int CONS_OUT_SIZE = 2048;
    public static final int CONS_IN_CONS = 3072;
    public static final int CONS_IN_PROD = 3076;
    public static final int CONS_OUT_CONS = 3080;
    public static final int CONS_OUT_PROD = 3084;

    public static final int XS_REQ = 0;
    public static final int XS_RSP = 1024;
    public static final int XS_REQ_CONS = 2048;
    public static final int XS_REQ_PROD = 2052;
    public static final int XS_RSP_CONS = 2056;
    public static final int XS_RSP_PROD = 2060;
}
