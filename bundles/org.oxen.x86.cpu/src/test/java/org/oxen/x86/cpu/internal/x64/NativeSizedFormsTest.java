package org.oxen.x86.cpu.internal.x64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.internal.x64.NativeRegionTest.ARITH;
import static org.oxen.x86.cpu.internal.x64.NativeRegionTest.CODE;
import static org.oxen.x86.cpu.internal.x64.NativeRegionTest.compare;
import static org.oxen.x86.cpu.internal.x64.NativeRegionTest.registerSets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.internal.x64.NativeRegionTest.Outcome;

/**
 * The widened native subset ({@link NativeSizedForms}) against the interpreter through
 * {@link NativeRegionTest#compare} (the one comparator): byte forms with AH..BH in every pairing,
 * byte and word MOVs and shifts, memory forms of INC/DEC, NOT/NEG, shifts, SETcc and CMOVcc,
 * FS/GS-prefixed accesses with segment bases, and IDIV with its #DE cases leaving before it
 * (byte shifts by CL have no record: the interpreter's).
 * Every program's flags after each flag writer are stored by SETcc to the data page the
 * comparator compares; each program must run natively to its HLT (nothing left to an
 * interpreter: the runner has none).
 */
class NativeSizedFormsTest {

    private static final String[] B = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    private static final String[] OPS = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test", "mov"};

    /** Stores CF, OF, SF, ZF, PF after the last flag writer at data byte {@code at} onwards (5 bytes). */
    private static String flagsTo(int at) {
        return String.join("\n", "setc byte ptr [" + (0x20000 + at) + "]", "seto byte ptr [" + (0x20001 + at) + "]",
                "sets byte ptr [" + (0x20002 + at) + "]", "setz byte ptr [" + (0x20003 + at) + "]",
                "setp byte ptr [" + (0x20004 + at) + "]");
    }

    private static void assertNative(Outcome o, String what) {
        assertTrue(o.differences().isEmpty(), what + ": " + String.join("; ", o.differences()));
        assertEquals(0, o.stopReason(), () -> String.format("%s: the native run stopped at %08x (reason %d)", what, o.eip(), o.stopReason()));
    }

    @Test
    void byteOperationsWithEveryPairingOfByteRegistersMatchTheInterpreter() {
        for (int op = 0; op < OPS.length; op++) {
            List<String> p = new ArrayList<>();
            int at = 0;
            for (int d = 0; d < 8; d++) {
                for (int s = 0; s < 8; s++) {
                    p.add(OPS[op] + " " + B[d] + ", " + B[s]);
                    if (!OPS[op].equals("mov")) {
                        p.add(flagsTo(at));
                        at += 5;
                    }
                }
            }
            p.add("hlt");
            String program = String.join("\n", p);
            for (int[] r : registerSets()) {
                assertNative(compare(program, r, 0x202, ARITH, 1_000_000, UnaryOperator.identity()),
                        OPS[op] + " r8, r8 from " + Arrays.toString(r));
            }
        }
    }

    static final String HIGH_FORMS = String.join("\n",
            "mov edi, 0x20100", "mov dword ptr [edi], 0x80ff7f01", "mov dword ptr [edi+4], 0x12345678",
            "add ah, [0x20100]", flagsTo(0), "sub [0x20101], ch", flagsTo(5), "cmp dh, [0x20102]", flagsTo(10),
            "test [0x20103], bh", flagsTo(15), "and ah, 0x3c", flagsTo(20), "or ch, 0x81", flagsTo(25),
            "adc dh, 0x7f", flagsTo(30), "xor bh, bl", "cmp bh, 0x40", flagsTo(35),
            "mov [0x20108], dh", "mov bh, [0x20105]", "mov ch, [0x20100]", "mov ah, 0x9a", "mov [0x20109], ah",
            "movzx esi, ah", "movsx edi, ch", "mov [0x20110], esi", "mov [0x20114], edi",
            "movzx esi, bh", "movsx edi, dh", "mov [0x20118], esi", "mov [0x2011c], edi",
            "cmp al, bl", "setb ah", "setne ch", "setg dh", "setp bh",
            "inc ah", flagsTo(40), "dec ch", flagsTo(45), "neg dh", flagsTo(50), "not bh", "inc bl", "dec cl",
            "neg al", flagsTo(55), "not dl",
            "shl ah, 1", flagsTo(60), "shr ch, 3", flagsTo(65), "sar dh, 2", "rol bh, 7", "rcr ah, 1",
            "mov [0x20120], eax", "mov [0x20124], ecx", "mov [0x20128], edx", "mov [0x2012c], ebx", "hlt");

    @Test
    void highByteRegistersInEveryFormMatchTheInterpreter() {
        for (int[] r : registerSets()) {
            // every flag, the SDM's undefined ones too (the interpreter's: NativeUndefinedFlags); the last writer is RCR by 1
            assertNative(compare(HIGH_FORMS, r, 0x202, ARITH, 1_000_000, UnaryOperator.identity()),
                    "AH..BH forms from " + Arrays.toString(r));
        }
    }

    static final String SHIFTS = String.join("\n",
            "mov esi, 0x20200", "mov dword ptr [esi], 0x80018001", "mov dword ptr [esi+4], 0xfedcba98",
            "shl bx, 1", flagsTo(0), "shr dx, 5", flagsTo(5), "sar si, cl", // CF is undefined for counts of 16 and more
            "rol di, 1", "setc byte ptr [0x2000b]", "ror bp, cl", "rcl ax, 1", flagsTo(12),
            "shl bl, 3", "sar al, 7", "setc byte ptr [0x20012]", "rcr dl, 1",
            "shl word ptr [esi], 1", flagsTo(20), "shr word ptr [esi+2], cl", "setz byte ptr [0x20019]",
            "sar dword ptr [esi+4], cl", "sets byte ptr [0x2001a]", "rol byte ptr [esi+5], 3", "setc byte ptr [0x2001b]",
            "shl dword ptr [esi], 1", flagsTo(28), "rcr byte ptr [esi+7], 1", "ror dword ptr [esi+4], 1",
            "shr bx, 1", "hlt");

    @Test
    void byteWordAndMemoryShiftsByEveryCountMatchTheInterpreter() {
        int[] counts = {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33};
        for (int[] r : registerSets()) {
            for (int c : counts) {
                int[] rc = r.clone();
                rc[X86Cpu.ECX] = (r[X86Cpu.ECX] & ~0xFF) | c;
                assertNative(compare(SHIFTS, rc, 0x202, ARITH, 1_000_000, UnaryOperator.identity()),
                        "shifts by CL=" + c + " from " + Arrays.toString(rc));
            }
        }
    }

    static final String MOVES_AND_MEMORY = String.join("\n",
            "mov edi, 0x20300", "mov dword ptr [edi], 0xffff7fff", "mov dword ptr [edi+4], 0x80000000",
            "mov ax, bx", "mov [edi+8], si", "mov bp, [edi]", "mov cx, [edi+2]", "mov [edi+10], dx",
            "mov bl, [edi+3]", "mov [edi+12], cl", "mov dl, 0x80", "mov al, dl",
            "inc byte ptr [edi]", flagsTo(0), "inc dword ptr [edi]", flagsTo(5), "dec byte ptr [edi+4]", flagsTo(10),
            "dec dword ptr [edi+4]", flagsTo(15), "add ebx, -1", "inc byte ptr [edi+3]", flagsTo(20),
            "neg dword ptr [edi+4]", flagsTo(25), "not dword ptr [edi]", "neg byte ptr [edi+2]", flagsTo(30),
            "not byte ptr [edi+1]", "cmp eax, ebx", "setl byte ptr [edi+16]", "seta byte ptr [edi+17]",
            "cmovl esi, [edi]", "cmovge ebp, [edi+4]", "cmovae ecx, [edi+8]", "cmovb edx, [edi+12]",
            "mov [edi+20], esi", "mov [edi+24], ebp", "mov [edi+28], ecx", "mov [edi+32], edx", "hlt");

    @Test
    void wordAndByteMovesAndReadModifyWriteMemoryMatchTheInterpreter() {
        for (int[] r : registerSets()) {
            assertNative(compare(MOVES_AND_MEMORY, r, 0x202, ARITH, 1_000_000, UnaryOperator.identity()),
                    "moves and memory forms from " + Arrays.toString(r));
        }
    }

    static final String SEGMENTS = String.join("\n",
            "mov eax, fs:[0x1004]", "mov fs:[0x1008], ebx", "add fs:[0x100c], ecx", flagsTo(0x40),
            "sub dword ptr gs:[0x10], 3", flagsTo(0x45), "inc dword ptr fs:[0x1010]", "mov ecx, 0x1000",
            "mov edx, fs:[ecx+0x14]", "mov byte ptr gs:[0x18], 0x5a", "movzx esi, word ptr fs:[0x1016]",
            "mov [0x20020], edx", "mov [0x20024], esi", "mov [0x20028], eax", "hlt");

    @Test
    void fsAndGsPrefixedAccessesAddTheirSegmentBases() {
        for (int[] r : registerSets()) {
            Outcome o = compare(SEGMENTS, r, 0x202, ARITH, 1_000_000, UnaryOperator.identity(), 0x1F000, 0x20800);
            assertNative(o, "FS/GS from " + Arrays.toString(r));
        }
    }

    @Test
    void signedDivideMatchesTheInterpreterWithEverySignAndLeavesWhereItFaults() {
        int[][] cases = { // EDX, EAX, EBX
            {0, 100, 7}, {-1, -100, 7}, {0, 100, -7}, {-1, -100, -7}, {0, 0x7FFFFFFF, 1}, {-1, 0x80000000, 1},
            {0x3FFFFFFE, 0xFFFFFFFF, 0x7FFFFFFF}, {-1, 1, -1}, {0, 5, 0x80000000}, {-1, 0x80000001, -1},
            {-0x3FFFFFFF, 0x12345678, -0x7FFFFFFF}, {0, 0, 0}};
        int slow = 0;
        for (int[] c : cases) {
            for (int divisor : new int[] {X86Cpu.EBX, X86Cpu.EDX, X86Cpu.EAX}) {
                int[] r = new int[8];
                r[X86Cpu.EDX] = c[0];
                r[X86Cpu.EAX] = c[1];
                r[X86Cpu.EBX] = c[2];
                String reg = divisor == X86Cpu.EBX ? "ebx" : divisor == X86Cpu.EDX ? "edx" : "eax";
                String what = String.format("idiv %s of %08x:%08x (ebx %08x)", reg, c[0], c[1], c[2]);
                long dividend = (long) c[0] << 32 | Integer.toUnsignedLong(c[1]);
                long d = r[divisor];
                boolean faults = d == 0 || dividend == Long.MIN_VALUE || dividend / d != (int) (dividend / d);
                Outcome o = compare("idiv " + reg + "\nmov [0x20000], eax\nmov [0x20004], edx\nhlt", r, 0x202, ARITH, 1_000_000,
                        UnaryOperator.identity());
                if (faults) {
                    slow++;
                    assertTrue(o.differences().isEmpty(), what + ": " + o.differences());
                    assertEquals(NativeContext.EXIT_SLOW, o.stopReason(), what + " faults: left for the interpreter");
                    assertEquals(0, o.retired(), what);
                    assertEquals(CODE, o.eip(), what);
                } else {
                    assertNative(o, what);
                }
            }
        }
        assertTrue(slow >= 8, "the cases include faulting ones: " + slow);
    }

    /**
     * Random programs of byte and word forms, every flag compared, AF included (byte ALU of every
     * shape, MOVs, INC/DEC/NEG/NOT, MOVZX/MOVSX, SETcc to registers and memory, shifts and
     * rotates by 1), AH..BH mixed with the rest, so that a high register's spill and reload meet
     * the flags other forms leave live; each program ends with its flags stored by SETcc.
     */
    @Test
    void randomMixesOfByteAndWordFormsMatchTheInterpreter() {
        String[] alu = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"};
        String[] w = {"ax", "cx", "dx", "bx", "bp", "si"}, d = {"eax", "ecx", "edx", "ebx", "ebp", "esi"};
        String[] cc = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
        java.util.Random rnd = new java.util.Random(1616);
        for (int n = 0; n < 150; n++) {
            List<String> p = new ArrayList<>();
            p.add("mov edi, 0x20100");
            for (int k = 0; k < 40; k++) {
                String r = B[rnd.nextInt(8)], r2 = B[rnd.nextInt(8)], m = "byte ptr [edi+" + rnd.nextInt(64) + "]";
                switch (rnd.nextInt(12)) {
                    case 0: p.add(alu[rnd.nextInt(alu.length)] + " " + r + ", " + r2); break;
                    case 1: p.add(alu[rnd.nextInt(alu.length)] + " " + r + ", " + rnd.nextInt(256)); break;
                    case 2: p.add(alu[rnd.nextInt(8)] + " " + r + ", " + m); break;
                    case 3: p.add(alu[rnd.nextInt(alu.length)] + " " + m + ", " + r); break;
                    case 4: p.add(rnd.nextBoolean() ? "mov " + r + ", " + r2 : rnd.nextBoolean() ? "mov " + r + ", " + m : "mov " + m + ", " + r); break;
                    case 5: p.add("mov " + r + ", " + rnd.nextInt(256)); break;
                    case 6: p.add(new String[] {"inc ", "dec ", "neg ", "not "}[rnd.nextInt(4)] + (rnd.nextBoolean() ? r : m)); break;
                    case 7: p.add((rnd.nextBoolean() ? "movzx " : "movsx ") + d[rnd.nextInt(d.length)] + ", " + r); break;
                    case 8: p.add("set" + cc[rnd.nextInt(16)] + " " + (rnd.nextBoolean() ? r : m)); break;
                    case 9: p.add(new String[] {"shl ", "shr ", "sar ", "rol ", "ror ", "rcl ", "rcr "}[rnd.nextInt(7)]
                            + (rnd.nextBoolean() ? r : rnd.nextBoolean() ? w[rnd.nextInt(w.length)] : m) + ", 1"); break;
                    case 10: {
                        String x = w[rnd.nextInt(w.length)], y = w[rnd.nextInt(w.length)], mw = "word ptr [edi+" + 2 * rnd.nextInt(32) + "]";
                        p.add(rnd.nextBoolean() ? "mov " + x + ", " + y : rnd.nextBoolean() ? "mov " + x + ", " + mw : "mov " + mw + ", " + x);
                        break;
                    }
                    default: p.add("set" + cc[rnd.nextInt(16)] + " byte ptr [edi+" + (64 + k) + "]"); break;
                }
            }
            p.add(flagsTo(0x200));
            p.add("hlt");
            String program = String.join("\n", p);
            int[] r = registerSets().get(n % registerSets().size());
            assertNative(compare(program, r, 0x202 | (n & 1), ARITH, 1_000_000, UnaryOperator.identity()),
                    "random program " + n + ":\n" + program);
        }
    }

    static final String MULDIV_MEMORY = String.join("\n",
            "mov edi, 0x20400", "mov [edi], ebx", "mov [edi+4], ecx", "mov [edi+8], esi", "or dword ptr [edi+8], 0x10000",
            "mul dword ptr [edi]", "setc byte ptr [0x20000]", "seto byte ptr [0x20001]", "mov [edi+16], eax", "mov [edi+20], edx",
            "imul dword ptr [edi+4]", "setc byte ptr [0x20002]", "seto byte ptr [0x20003]", "mov [edi+24], eax", "mov [edi+28], edx",
            "and edx, 0xffff", "div dword ptr [edi+8]", "mov [edi+32], eax", "mov [edi+36], edx",
            "mov edx, eax", "sar edx, 31", "idiv dword ptr [edi+8]", "mov [edi+40], eax", "mov [edi+44], edx", "hlt");

    @Test
    void multiplyAndDivideOfMemoryMatchTheInterpreter() {
        // every flag compared: the SDM leaves them undefined after DIV/IDIV, which keep them as the interpreter does
        for (int[] r : registerSets()) {
            assertNative(compare(MULDIV_MEMORY, r, 0x202, ARITH, 1_000_000, UnaryOperator.identity()),
                    "MUL/IMUL/DIV/IDIV of memory from " + Arrays.toString(r));
        }
        for (String divide : new String[] {"div", "idiv"}) { // by zero from memory: nothing done
            Outcome o = compare("mov edi, 0x20400\nmov dword ptr [edi], 0\nxor edx, edx\n" + divide + " dword ptr [edi]\nhlt", new int[8],
                    0x202, ARITH, 1_000_000, UnaryOperator.identity());
            assertTrue(o.differences().isEmpty(), divide + ": " + o.differences());
            assertEquals(NativeContext.EXIT_SLOW, o.stopReason(), divide + " by zero");
            assertEquals(3, o.retired(), divide);
            assertEquals(CODE + 5 + 6 + 2, o.eip(), divide + ": EIP is the divide's");
        }
    }

    @Test
    void aSignedDivideThatFaultsLeavesBeforeItWithNothingDone() {
        int[][] faults = { // EDX, EAX, divisor: by zero, quotient 2^31, quotient below -2^31, dividend -2^63
            {0, 5, 0}, {-1, 0x80000000, -1}, {0, 0x80000000, 1}, {-2, 0, 1}, {0x80000000, 0, -1}, {0x80000000, 0, 3}};
        for (int[] c : faults) {
            int[] r = new int[8];
            r[X86Cpu.EDX] = c[0];
            r[X86Cpu.EAX] = c[1];
            r[X86Cpu.ESI] = c[2];
            Outcome o = compare("add ebx, 1\nidiv esi\nhlt", r, 0x202, ARITH, 1_000_000, UnaryOperator.identity());
            String what = String.format("idiv of %08x:%08x by %08x", c[0], c[1], c[2]);
            assertTrue(o.differences().isEmpty(), what + ": " + o.differences());
            assertEquals(NativeContext.EXIT_SLOW, o.stopReason(), what);
            assertEquals(1, o.retired(), what + ": the IDIV did not retire");
            assertEquals(CODE + 3, o.eip(), what + ": EIP is the IDIV's");
        }
    }

}
