package org.oxen.debug.gdbstub.internal;

import java.nio.charset.StandardCharsets;

/** The target description gdb reads with qXfer:features:read:target.xml (i386, core registers as {@link Registers} orders them). */
final class TargetDescription {

    static final String XML = build();

    private TargetDescription() {
    }

    private static String build() {
        StringBuilder s = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                + "<target version=\"1.0\">\n<architecture>i386</architecture>\n<feature name=\"org.gnu.gdb.i386.core\">\n");
        String[] gprs = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
        for (int i = 0; i < 8; i++) {
            String type = i == 4 || i == 5 ? "data_ptr" : "int32";
            s.append("<reg name=\"").append(gprs[i]).append("\" bitsize=\"32\" type=\"").append(type)
                    .append("\" regnum=\"").append(i).append("\"/>\n");
        }
        s.append("<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>\n<reg name=\"eflags\" bitsize=\"32\" type=\"int32\"/>\n");
        for (String seg : new String[] {"cs", "ss", "ds", "es", "fs", "gs"}) {
            s.append("<reg name=\"").append(seg).append("\" bitsize=\"32\" type=\"int32\"/>\n");
        }
        for (int i = 0; i < 8; i++) {
            s.append("<reg name=\"st").append(i).append("\" bitsize=\"80\" type=\"i387_ext\"/>\n");
        }
        for (String f : new String[] {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"}) {
            s.append("<reg name=\"").append(f).append("\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n");
        }
        return s.append("</feature>\n</target>\n").toString();
    }

    /** "annex:offset,length" to an m (more) or l (last) reply, E00 for an unknown annex. */
    static String read(String args) {
        int colon = args.indexOf(':'), comma = args.indexOf(',');
        if (colon < 0 || comma < colon) {
            return "E01";
        }
        if (!args.substring(0, colon).equals("target.xml")) {
            return "E00";
        }
        int offset = Hex.parse(args.substring(colon + 1, comma));
        int length = Hex.parse(args.substring(comma + 1));
        byte[] xml = XML.getBytes(StandardCharsets.US_ASCII);
        if (offset >= xml.length) {
            return "l";
        }
        int n = Math.min(length, Math.min(xml.length - offset, GdbSession.PACKET_SIZE - 16));
        // binary data: '$', '#', '}' and '*' would need escaping; the XML has none
        return (offset + n < xml.length ? "m" : "l") + new String(xml, offset, n, StandardCharsets.US_ASCII);
    }
}
