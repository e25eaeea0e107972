package org.oxen.vmm.abi;

/**
 * The network device's split-driver protocol (io/netif.h): ring slot layouts (the same for 32-
 * and 64-bit frontends), the TX and RX flags (the checksum bits are swapped between the two
 * directions), response statuses and limits. The rings are io/ring.h rings of these slots.
 */
public final class Netif {
    private Netif() {
    }

    /** {@code struct netif_tx_request}: gref u32, offset u16, flags u16, id u16, size u16. */
    public static final int TX_REQUEST_SIZE = 12;
    public static final int TX_REQ_GREF = 0;
    public static final int TX_REQ_OFFSET = 4;
    public static final int TX_REQ_FLAGS = 6;
    public static final int TX_REQ_ID = 8;
    public static final int TX_REQ_SIZE = 10;
    /** {@code struct netif_tx_response}: id u16, status i16. */
    public static final int TX_RESPONSE_SIZE = 4;
    public static final int TX_RSP_ID = 0;
    public static final int TX_RSP_STATUS = 2;
    /** A tx ring slot: the union of request, response and extra info. */
    public static final int TX_SLOT_SIZE = 12;

    /** {@code struct netif_rx_request}: id u16, pad u16, gref u32. */
    public static final int RX_REQUEST_SIZE = 8;
    public static final int RX_REQ_ID = 0;
    public static final int RX_REQ_GREF = 4;
    /** {@code struct netif_rx_response}: id u16, offset u16, flags u16, status i16 (&gt;0: bytes). */
    public static final int RX_RESPONSE_SIZE = 8;
    public static final int RX_RSP_ID = 0;
    public static final int RX_RSP_OFFSET = 2;
    public static final int RX_RSP_FLAGS = 4;
    public static final int RX_RSP_STATUS = 6;
    public static final int RX_SLOT_SIZE = 8;

    /** {@code struct netif_extra_info}: type u8, flags u8 (XEN_NETIF_EXTRA_FLAG_MORE), 6 bytes of union. */
    public static final int EXTRA_TYPE = 0;
    public static final int EXTRA_FLAGS = 1;
    public static final int EXTRA_FLAG_MORE = 1;
    public static final int EXTRA_TYPE_NONE = 0;
    public static final int EXTRA_TYPE_GSO = 1;
    public static final int EXTRA_TYPE_MCAST_ADD = 2;
    public static final int EXTRA_TYPE_MCAST_DEL = 3;
    public static final int EXTRA_TYPE_HASH = 4;
    public static final int EXTRA_TYPE_MAX = 5;

    /** NETTXF_*: the frontend's flags on a tx request. */
    public static final int NETTXF_CSUM_BLANK = 1;
    public static final int NETTXF_DATA_VALIDATED = 2;
    public static final int NETTXF_MORE_DATA = 4;
    public static final int NETTXF_EXTRA_INFO = 8;

    /** NETRXF_*: the backend's flags on an rx response. */
    public static final int NETRXF_DATA_VALIDATED = 1;
    public static final int NETRXF_CSUM_BLANK = 2;
    public static final int NETRXF_MORE_DATA = 4;
    public static final int NETRXF_EXTRA_INFO = 8;
    public static final int NETRXF_GSO_PREFIX = 16;

    /** NETIF_RSP_*. */
    public static final int RSP_DROPPED = -2;
    public static final int RSP_ERROR = -1;
    public static final int RSP_OKAY = 0;
    /** The status of the response to an extra-info slot. */
    public static final int RSP_NULL = 1;

    /** XEN_NETIF_MAX_TX_SIZE: the largest packet a tx request's size can say. */
    public static final int MAX_TX_SIZE = 0xFFFF;
    /** XEN_NETIF_NR_SLOTS_MIN: the slots per packet a backend must accept. */
    public static final int NR_SLOTS_MIN = 18;
}
