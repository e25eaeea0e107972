package org.oxen.io.netback;

/**
 * The transport checksum a frontend left blank (NETTXF_csum_blank: the stack's CHECKSUM_PARTIAL,
 * which netback turns into a complete packet with skb_checksum_setup and the checksum itself
 * when no NIC will), for TCP and UDP over IPv4 in an Ethernet frame. Anything else is left as it
 * is (netback drops what skb_checksum_setup cannot parse; oxen passes it on unchanged).
 */
final class Checksums {
    private Checksums() {
    }

    static final int ETH_HLEN = 14;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    /**
     * Fills in the TCP or UDP checksum of the IPv4 packet in {@code frame[0..length)}.
     *
     * @return whether a checksum was written
     */
    static boolean complete(byte[] frame, int length) {
        if (length < ETH_HLEN + 20 || u16(frame, 12) != ETHERTYPE_IPV4) return false;
        int ip = ETH_HLEN;
        int ihl = (frame[ip] & 0x0F) * 4;
        if ((frame[ip] >> 4 & 0xF) != 4 || ihl < 20) return false;
        int total = u16(frame, ip + 2);
        int proto = frame[ip + 9] & 0xFF;
        int l4 = ip + ihl;
        int l4len = total - ihl;
        if (total > length - ETH_HLEN || l4len < 8) return false;
        if ((u16(frame, ip + 6) & 0x3FFF) != 0) return false; // a fragment: no transport header to finish
        int field;
        if (proto == IPPROTO_UDP) field = l4 + 6;
        else if (proto == IPPROTO_TCP && l4len >= 20) field = l4 + 16;
        else return false;
        frame[field] = 0;
        frame[field + 1] = 0;
        long sum = 0;
        sum += u16(frame, ip + 12) + u16(frame, ip + 14) + u16(frame, ip + 16) + u16(frame, ip + 18);
        sum += proto + l4len;
        sum = add(sum, frame, l4, l4len);
        int c = fold(sum);
        if (proto == IPPROTO_UDP && c == 0) c = 0xFFFF; // 0 means "no checksum" in UDP
        frame[field] = (byte) (c >> 8);
        frame[field + 1] = (byte) c;
        return true;
    }

    static long add(long sum, byte[] b, int off, int len) {
        int i = 0;
        for (; i + 1 < len; i += 2) sum += u16(b, off + i);
        if (i < len) sum += (b[off + i] & 0xFF) << 8;
        return sum;
    }

    /** The ones'-complement of the folded sum. */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) (~sum & 0xFFFF);
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }
}
