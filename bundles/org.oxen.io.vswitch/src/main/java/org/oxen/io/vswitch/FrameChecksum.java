package org.oxen.io.vswitch;

/**
 * What a frame's transport checksum is as it crosses the switch (Linux's skb->ip_summed as a
 * bridge carries it between a vif and its peers), and the one place oxen parses a frame for it:
 * TCP or UDP over IPv4 in an Ethernet frame.
 *
 * <ul>
 * <li>{@link #NONE}: the frame is as it would be on a wire (CHECKSUM_NONE): its checksums are
 * whatever its sender wrote, nobody vouched for them.
 * <li>{@link #PARTIAL}: the TCP/UDP checksum is still to be filled in (CHECKSUM_PARTIAL, a
 * frontend's NETTXF_csum_blank): its field holds the folded pseudo-header sum, and whoever the
 * frame leaves through towards a wire completes it as a NIC would ({@link #complete}); a port that
 * takes partial checksums (a vif whose frontend did not say feature-no-csum-offload) gets it
 * as it is and tells its frontend NETRXF_csum_blank.
 * <li>{@link #VALIDATED}: a sender vouched for the checksum (CHECKSUM_UNNECESSARY, a
 * frontend's NETTXF_data_validated): the frame is complete; a vif tells its frontend
 * NETRXF_data_validated.
 * </ul>
 */
public final class FrameChecksum {
    private FrameChecksum() {
    }

    public static final int NONE = 0;
    public static final int PARTIAL = 1;
    public static final int VALIDATED = 2;

    static final int ETH_HLEN = 14;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    /** "NONE", "PARTIAL", "VALIDATED". */
    public static String name(int checksum) {
        return switch (checksum) {
            case NONE -> "NONE";
            case PARTIAL -> "PARTIAL";
            case VALIDATED -> "VALIDATED";
            default -> "checksum state " + checksum;
        };
    }

    /**
     * The offset in {@code frame} of the TCP or UDP checksum field of the unfragmented IPv4
     * packet the frame carries (its transport header starts at {@code l4Start(...)}), or -1 if
     * the frame is not one (another ethertype or protocol, a fragment, lengths that do not add
     * up).
     */
    public static int field(byte[] frame, int offset, int length) {
        if (length < ETH_HLEN + 20 || u16(frame, offset + 12) != ETHERTYPE_IPV4) return -1;
        int ip = offset + ETH_HLEN;
        int ihl = (frame[ip] & 0x0F) * 4;
        if ((frame[ip] >> 4 & 0xF) != 4 || ihl < 20) return -1;
        int total = u16(frame, ip + 2);
        int l4len = total - ihl;
        if (total > length - ETH_HLEN || l4len < 8) return -1;
        if ((u16(frame, ip + 6) & 0x3FFF) != 0) return -1; // a fragment: no transport header to finish
        int proto = frame[ip + 9] & 0xFF;
        if (proto == IPPROTO_UDP) return ip + ihl + 6;
        if (proto == IPPROTO_TCP && l4len >= 20) return ip + ihl + 16;
        return -1;
    }

    /**
     * Netback's skb_checksum_setup with recalculation for a frame sent NETTXF_csum_blank: writes
     * the folded pseudo-header sum (addresses, protocol, transport length) into the checksum
     * field, whatever the frontend left there, so that {@link #complete} finishes it.
     *
     * @return whether the frame is TCP or UDP over IPv4 (else it is left as it is)
     */
    public static boolean setupPartial(byte[] frame, int offset, int length) {
        int field = field(frame, offset, length);
        if (field < 0) return false;
        int ip = offset + ETH_HLEN;
        long sum = pseudoHeader(frame, ip);
        int folded = (int) foldSum(sum);
        frame[field] = (byte) (folded >> 8);
        frame[field + 1] = (byte) folded;
        return true;
    }

    /**
     * What a NIC does with a CHECKSUM_PARTIAL frame (Linux's skb_checksum_help): the ones'
     * complement sum from the transport header to the end of the IP packet, the field's
     * pseudo-header sum included, complemented into the field (a UDP result of 0 sent as 0xFFFF).
     *
     * @return whether a checksum was written (false: not TCP/UDP over IPv4, left as it is)
     */
    public static boolean complete(byte[] frame, int offset, int length) {
        int field = field(frame, offset, length);
        if (field < 0) return false;
        int ip = offset + ETH_HLEN;
        int ihl = (frame[ip] & 0x0F) * 4;
        int l4 = ip + ihl;
        int l4len = u16(frame, ip + 2) - ihl;
        int c = (int) (~foldSum(add(0, frame, l4, l4len)) & 0xFFFF);
        if ((frame[ip + 9] & 0xFF) == IPPROTO_UDP && c == 0) c = 0xFFFF; // 0 means "no checksum" in UDP
        frame[field] = (byte) (c >> 8);
        frame[field + 1] = (byte) c;
        return true;
    }

    /**
     * Whether the TCP or UDP checksum of the frame is right (a UDP checksum of 0, "none", counts
     * as right); false for a frame that is not TCP/UDP over IPv4.
     */
    public static boolean verify(byte[] frame, int offset, int length) {
        int field = field(frame, offset, length);
        if (field < 0) return false;
        int ip = offset + ETH_HLEN;
        int ihl = (frame[ip] & 0x0F) * 4;
        if ((frame[ip + 9] & 0xFF) == IPPROTO_UDP && u16(frame, field) == 0) return true;
        int l4len = u16(frame, ip + 2) - ihl;
        return foldSum(add(pseudoHeader(frame, ip), frame, ip + ihl, l4len)) == 0xFFFF;
    }

    private static long pseudoHeader(byte[] frame, int ip) {
        int ihl = (frame[ip] & 0x0F) * 4;
        long sum = 0;
        for (int i = 12; i < 20; i += 2) sum += u16(frame, ip + i);
        return sum + (frame[ip + 9] & 0xFF) + (u16(frame, ip + 2) - ihl);
    }

    private static long add(long sum, byte[] b, int off, int len) {
        int i = 0;
        for (; i + 1 < len; i += 2) sum += u16(b, off + i);
        if (i < len) sum += (b[off + i] & 0xFF) << 8;
        return sum;
    }

    /** The ones'-complement sum folded to 16 bits (not complemented). */
    private static long foldSum(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        return sum;
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }
}
