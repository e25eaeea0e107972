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
    /**
     * {@code uint8_t connection} (Xen 4.21's console.h): whether the backend services the ring.
     * A toolstack that starts a guest before its backend (hyperlaunch; oxen, whose Java backend
     * connects after the domain is created) sets it DISCONNECTED; the backend sets CONNECTED once
     * it has mapped the page and bound the event channel. 0 = CONNECTED, the zeroed page's value.
     */
    public static final int CONS_CONNECTION = 3088;
    public static final int XENCONSOLE_CONNECTED = 0;
    public static final int XENCONSOLE_DISCONNECTED = 1;

    public static final int XS_REQ = 0;
    public static final int XS_RSP = 1024;
    public static final int XS_REQ_CONS = 2048;
    public static final int XS_REQ_PROD = 2052;
    public static final int XS_RSP_CONS = 2056;
    public static final int XS_RSP_PROD = 2060;
}
