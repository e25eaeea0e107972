package org.oxen.debug.gdbstub.internal;

import java.nio.charset.StandardCharsets;

import org.oxen.debug.gdbstub.DebugGate;
import org.oxen.x86.api.PhysicalMemory;

/**
 * gdb's {@code monitor} commands (qRcmd): {@code phys ADDR [LEN]} dumps physical memory (16 bytes
 * a line), {@code help} lists them. Output goes back as an O packet's text, hex-encoded.
 */
final class Monitor {

    private Monitor() {
    }

    static String run(DebugGate gate, String line) {
        String[] w = line.trim().split("\\s+");
        String text;
        try {
            text = switch (w[0]) {
                case "phys" -> phys(gate, w);
                case "help", "" -> "monitor phys ADDR [LEN]   physical memory (hex address and length, at most 4096 bytes)\n";
                default -> "unknown monitor command '" + w[0] + "' (try 'monitor help')\n";
            };
        } catch (IllegalArgumentException e) {
            text = "monitor " + line.trim() + ": " + e.getMessage() + "\n";
        }
        return Hex.encode(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String phys(DebugGate gate, String[] w) {
        if (w.length < 2 || w.length > 3) {
            throw new IllegalArgumentException("usage: phys ADDR [LEN]");
        }
        long addr = Long.parseUnsignedLong(strip(w[1]), 16);
        int len = w.length == 3 ? Integer.parseInt(strip(w[2]), 16) : 16;
        long size = gate.target().physicalSize();
        if (len <= 0 || len > 4096) {
            throw new IllegalArgumentException("length " + len + " is not in 1..4096");
        }
        if (addr >= size || addr + len > size) {
            throw new IllegalArgumentException(String.format("0x%x..0x%x is beyond RAM (0x%x bytes)", addr, addr + len, size));
        }
        PhysicalMemory m = gate.target().physicalMemory();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            if (i % 16 == 0) {
                s.append(i == 0 ? "" : "\n").append(String.format("%08x:", addr + i));
            }
            long a = addr + i;
            int orig = gate.originalByteAt(a);
            s.append(' ').append(Hex.byte2(orig >= 0 ? orig : m.read8(a)));
        }
        return s.append('\n').toString();
    }

    private static String strip(String hex) {
        return hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    }
}
