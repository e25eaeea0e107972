package org.oxen.debug.gdbstub.internal;

import org.oxen.debug.gdbstub.DebugGate;

/** m/M: guest-linear memory through the selected CPU's page tables (as a supervisor access). */
final class Memory {

    /** Largest m/M transfer: its hex must fit a packet. */
    static final int MAX = GdbSession.PACKET_SIZE / 2 - 32;

    private Memory() {
    }

    /** "addr,length" to hex bytes, or E0E if a page is not mapped. */
    static String read(DebugGate gate, int cpu, String args) {
        int comma = args.indexOf(',');
        int addr = Hex.parse(args.substring(0, comma));
        int len = Hex.parse(args.substring(comma + 1));
        if (len < 0 || len > MAX) {
            return "E01";
        }
        byte[] b = new byte[len];
        if (!gate.target().cpu(cpu).readLinear(addr, b, 0, len, false)) {
            return "E0E";
        }
        return Hex.encode(b);
    }

    /** "addr,length:hex"; OK, or E0E if a page is not mapped or not writable. */
    static String write(DebugGate gate, int cpu, String args) {
        int comma = args.indexOf(','), colon = args.indexOf(':');
        int addr = Hex.parse(args.substring(0, comma));
        int len = Hex.parse(args.substring(comma + 1, colon));
        byte[] b = Hex.decode(args.substring(colon + 1));
        if (len != b.length) {
            return "E01";
        }
        var c = gate.target().cpu(cpu);
        if (!c.writeLinear(addr, b, 0, len, false)) {
            return "E0E";
        }
        for (int i = 0; i < len; i++) { // code written by the debugger must not run from stale translations
            long phys = c.translateLinear(addr + i, false, false);
            if (phys >= 0) {
                for (int k = 0; k < gate.target().cpuCount(); k++) {
                    gate.target().cpu(k).invalidateCode(phys, 1);
                }
            }
        }
        return "OK";
    }
}
