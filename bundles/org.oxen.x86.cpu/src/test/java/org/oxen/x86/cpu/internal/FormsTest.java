package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table of instruction forms against GNU objdump (binutils' i386 disassembler, a decoder
 * written independently of ours): every valid form of the one-byte map, the 0F map and the
 * groups, in its register form, with a [eax] operand and with a SIB + disp32 operand, without
 * and with an operand-size prefix, must have the length objdump decodes, and (without the
 * prefix) its mnemonic.
 */
class FormsTest {

    private static final int SLOT = 16;

    /** One instruction to check: its bytes, the form the table gives it, whether to compare the mnemonic. */
    private record Case(byte[] bytes, int form, boolean name) {
    }

    /** Mnemonics objdump prints differently (or not at all: SALC is "(bad)" there). */
    private static final Map<String, String> ALIASES = Map.of("salc", "(bad)");

    @Test
    void lengthsAndMnemonicsMatchObjdump(@TempDir Path dir) throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int map = 0; map < 2; map++) {
            for (int op = 0; op < 256; op++) {
                if (map == 0 && (op == 0x0F || Forms.PREFIX[op])) continue;
                short entry = map == 0 ? Forms.ONE[op] : Forms.TWO[op];
                boolean modrm = map == 0 ? Forms.ONE_MODRM[op] : Forms.TWO_MODRM[op];
                for (int reg = 0; reg < (entry < 0 ? 8 : 1); reg++) {
                    int f = entry < 0 ? Forms.group(entry, reg << 3) : entry;
                    if (f == 0) continue; // invalid here (objdump knows later extensions in some of these slots)
                    for (boolean osz : new boolean[] {false, true}) {
                        if (!modrm) {
                            cases.add(new Case(encode(map, op, osz, -1, f), f, !osz));
                            continue;
                        }
                        boolean memoryOnly = Forms.method(Forms.OP1[f]) == Forms.A_M
                                || Forms.method(Forms.OP2[f]) == Forms.A_M;
                        if (!memoryOnly) cases.add(new Case(encode(map, op, osz, 0xC1 | reg << 3, f), f, !osz));
                        cases.add(new Case(encode(map, op, osz, reg << 3, f), f, !osz));
                        cases.add(new Case(encode(map, op, osz, 0x84 | reg << 3, f), f, false));
                    }
                }
            }
        }
        byte[] image = new byte[cases.size() * SLOT];
        java.util.Arrays.fill(image, (byte) 0x90);
        for (int i = 0; i < cases.size(); i++) {
            byte[] b = cases.get(i).bytes;
            System.arraycopy(b, 0, image, i * SLOT, b.length);
        }
        Path bin = dir.resolve("forms.bin");
        Files.write(bin, image);
        Map<Integer, String[]> dis = objdump(bin);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            String[] d = dis.get(i * SLOT);
            String hex = hex(c.bytes);
            if (d == null) {
                wrong.add(hex + ": objdump did not start an instruction there");
                continue;
            }
            if (d[1].equals("(bad)") && (Forms.ATTR[c.form] & Forms.OWN_MODRM) != 0) {
                continue; // a /reg form of a group its routine decodes (Sys.group15), invalid there
            }
            int length = Forms.length(padded(c.bytes), 0);
            if (length != Integer.parseInt(d[0])) {
                wrong.add(hex + " (" + Forms.NAME[c.form] + "): table length " + length + ", objdump " + d[0] + " ("
                        + d[1] + ")");
            }
            String name = Forms.NAME[c.form];
            boolean named = c.name && !name.startsWith("(") && Forms.HANDLER[c.form] != Forms.H_NOP_E;
            if (named && !ALIASES.getOrDefault(name, name).equals(d[1])) {
                wrong.add(hex + ": table " + name + ", objdump " + d[1]);
            }
        }
        assertTrue(cases.size() > 900, "forms checked: " + cases.size());
        assertEquals(List.of(), wrong, cases.size() + " instructions checked");
    }

    /** The table's own consistency: every group entry resolves, every cached form has a handler. */
    @Test
    void everyFormHasAHandlerAndGroupsResolve() {
        for (int f = 1; f < Forms.formCount(); f++) {
            assertTrue(Forms.NAME[f] != null, "form " + f);
            assertTrue(Forms.HANDLER[f] != Forms.H_UD || Forms.NAME[f].startsWith("ud"), Forms.NAME[f]);
        }
        assertEquals(Forms.H_ALU_EG, Forms.HANDLER[Forms.ONE[0x01]]);
        assertEquals("sub", Forms.NAME[Forms.oneByte(0x83, 5 << 3)]);
        assertEquals(0, Forms.oneByte(0xFF, 7 << 3), "FF /7 is invalid");
        assertEquals(RecordDecoder.K_ALU32_MR, Forms.CACHE_MEM[Forms.ONE[0x01]]);
    }

    /** Opcode, ModR/M (mod 10 gets SIB 0x88 and a disp32), then 0x11 for every immediate byte. */
    private static byte[] encode(int map, int op, boolean osz, int modrm, int f) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (osz) b.write(0x66);
        if (map == 1) b.write(0x0F);
        b.write(op);
        if (modrm >= 0) {
            b.write(modrm);
            if ((modrm & 0xC7) == 0x84) {
                b.write(0x88);
                for (int i = 0; i < 4; i++) b.write(0x22);
            }
        }
        for (int i = Forms.immediateBytes(f, !osz, true); i > 0; i--) b.write(0x11);
        return b.toByteArray();
    }

    private static byte[] padded(byte[] b) {
        return java.util.Arrays.copyOf(b, 32);
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x ", x));
        return s.toString().trim();
    }

    /** objdump's instructions by address: {length, mnemonic}. */
    private static Map<Integer, String[]> objdump(Path bin) throws Exception {
        Process p = new ProcessBuilder("objdump", "-D", "-b", "binary", "-m", "i386", "-M", "intel",
                "--insn-width=16", bin.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Map<Integer, String[]> m = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] parts = line.split("\t");
            if (parts.length < 3 || !parts[0].trim().endsWith(":")) continue;
            int addr = Integer.parseInt(parts[0].trim().replace(":", ""), 16);
            int length = parts[1].trim().split(" +").length;
            String mnemonic = parts[2].trim().split(" +")[0];
            m.put(addr, new String[] {Integer.toString(length), mnemonic});
        }
        return m;
    }
}
