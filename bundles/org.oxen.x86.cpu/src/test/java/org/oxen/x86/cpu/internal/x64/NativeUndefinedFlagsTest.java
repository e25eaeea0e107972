package org.oxen.x86.cpu.internal.x64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.internal.x64.NativeRegionTest.ARITH;
import static org.oxen.x86.cpu.internal.x64.NativeRegionTest.compare;
import static org.oxen.x86.cpu.internal.x64.NativeRegionTest.registerSets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.internal.x64.NativeRegionTest.Outcome;

/**
 * The flags the SDM leaves undefined after MUL/IMUL, DIV/IDIV, shifts and rotates
 * ({@link NativeUndefinedFlags}): native code against the interpreter through the one comparator
 * ({@link NativeRegionTest#compare}) on <em>every</em> arithmetic flag, AF and the undefined OF,
 * SF, ZF, PF included. Each case is one instruction followed by HLT (every flag live after it, as
 * at a block's end), or by a SETcc of one flag and a flag writer (that flag alone live), from
 * edge and random operands and from incoming flags all clear and all set; each run must reach its
 * HLT natively (the runner has no interpreter).
 */
class NativeUndefinedFlagsTest {

    private static final String[] SHIFTS = {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr"};
    /** Immediate counts: 0, 1, n, the width and around it, and past every width. */
    private static final int[] COUNTS = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31};
    /** The flags SETcc can show one at a time (AF only in EFLAGS at the end). */
    private static final String[] ONE_FLAG = {"o", "s", "z", "p", "c"};

    /** Operand shapes of a shift: register (AL, AH, BX, EBX) or memory of each width. */
    private static final String[][] OPERANDS = {
        {"bl", "8"}, {"ah", "8"}, {"bx", "16"}, {"ebx", "32"},
        {"byte ptr [0x20101]", "8m"}, {"word ptr [0x20102]", "16m"}, {"dword ptr [0x20104]", "32m"}};

    private static final String SETUP = "mov [0x20100], esi\nmov [0x20104], edi";

    private static void assertNative(Outcome o, String what) {
        assertTrue(o.differences().isEmpty(), what + ": " + String.join("; ", o.differences()));
        assertEquals(0, o.stopReason(), () -> String.format("%s: the native run stopped at %08x (reason %d)", what, o.eip(), o.stopReason()));
    }

    /**
     * {@code instruction} run from {@code sets} register sets (chosen by {@code rnd}), each from
     * incoming flags all clear and all set: with every flag live after it, and with each flag
     * SETcc shows live alone.
     */
    private static void check(String instruction, int cl, Random rnd, int sets) {
        List<int[]> all = registerSets();
        for (int s = 0; s < sets; s++) {
            int[] r = all.get(rnd.nextInt(all.size())).clone();
            r[X86Cpu.ECX] = (r[X86Cpu.ECX] & ~0xFF) | cl;
            int eflags = 0x202 | (s % 2 == 0 ? 0 : ARITH);
            String program = SETUP + "\n" + instruction + "\nhlt";
            assertNative(compare(program, r, eflags, ARITH, 1_000_000, UnaryOperator.identity()),
                    program + " from " + Arrays.toString(r) + String.format(" eflags %x", eflags));
            String f = ONE_FLAG[s % ONE_FLAG.length]; // one flag live: SETcc to a register, then a writer of every flag
            program = SETUP + "\n" + instruction + "\nset" + f + " dl\nadd ebp, 1\nhlt";
            assertNative(compare(program, r, eflags, ARITH, 1_000_000, UnaryOperator.identity()),
                    program + " from " + Arrays.toString(r) + String.format(" eflags %x", eflags));
        }
    }

    @Test
    void shiftsAndRotatesByEveryImmediateCountSetEveryFlagAsTheInterpreter() {
        Random rnd = new Random(1601);
        for (String op : SHIFTS) {
            for (String[] operand : OPERANDS) {
                for (int count : COUNTS) check(op + " " + operand[0] + ", " + count, 0, rnd, 4);
            }
        }
    }

    @Test
    void shiftsAndRotatesByEveryCountInClSetEveryFlagAsTheInterpreter() {
        Random rnd = new Random(1602);
        int[] counts = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 0xFF};
        for (String op : SHIFTS) {
            for (String[] operand : OPERANDS) {
                if (operand[1].startsWith("8")) continue; // byte shifts by CL have no record: the interpreter's
                for (int count : counts) check(op + " " + operand[0] + ", cl", count, rnd, 4);
            }
        }
    }

    @Test
    void multipliesOfEveryFormSetEveryFlagAsTheInterpreter() {
        Random rnd = new Random(1603);
        String[] forms = {"mul ebx", "mul eax", "imul ecx", "imul eax", "mul dword ptr [0x20100]", "imul dword ptr [0x20104]",
            "imul eax, ebx", "imul esi, esi", "imul ebp, dword ptr [0x20100]",
            "imul ecx, edx, 7", "imul edi, eax, -3", "imul ebx, ebx, 0x12345", "imul edx, dword ptr [0x20104], 7"};
        for (String form : forms) check(form, 0, rnd, 16);
    }

    /**
     * A byte or word SHL or SHR by its width or more (CF undefined in the SDM, the last bit
     * shifted out in the interpreter: the operand's bit 0 or sign at the width, 0 past it), by an
     * immediate and by CL, with CF live alone (SETC then a writer of every flag) and with every
     * flag live.
     */
    @Test
    void byteAndWordShiftsByTheirWidthOrMoreSetCarryAsTheInterpreter() {
        Random rnd = new Random(1606);
        String[][] operands = {{"bl", "8"}, {"ah", "8"}, {"bx", "16"}, {"byte ptr [0x20101]", "8"}, {"word ptr [0x20102]", "16"}};
        for (String op : new String[] {"shl", "shr"}) {
            for (String[] operand : operands) {
                int w = Integer.parseInt(operand[1]);
                for (int count : new int[] {w - 1, w, w + 1, 31}) {
                    String shift = op + " " + operand[0] + ", " + count;
                    carryAlone(shift, 0, rnd);
                    check(shift, 0, rnd, 2);
                }
                if (w == 8) continue; // byte shifts by CL have no record: the interpreter's
                for (int cl : new int[] {15, 16, 17, 31, 0x30, 0x50}) {
                    carryAlone(op + " " + operand[0] + ", cl", cl, rnd);
                    check(op + " " + operand[0] + ", cl", cl, rnd, 2);
                }
            }
        }
    }

    /** {@code instruction} with CF alone live after it, from a few register sets with CL = {@code cl}. */
    private static void carryAlone(String instruction, int cl, Random rnd) {
        List<int[]> all = registerSets();
        for (int s = 0; s < 4; s++) {
            int[] r = all.get(rnd.nextInt(all.size())).clone();
            r[X86Cpu.ECX] = (r[X86Cpu.ECX] & ~0xFF) | cl;
            r[X86Cpu.ESI] ^= s; // both values of the memory operand's bit 0
            int eflags = 0x202 | (s % 2 == 0 ? 0 : ARITH);
            String program = SETUP + "\n" + instruction + "\nsetc dl\nadd ebp, 1\nhlt";
            assertNative(compare(program, r, eflags, ARITH, 1_000_000, UnaryOperator.identity()),
                    program + " from " + Arrays.toString(r) + String.format(" eflags %x", eflags));
        }
    }

    /**
     * AND, OR, XOR and TEST of every shape and width (AF undefined in the SDM, 0 in the
     * interpreter), with every flag live after them, from incoming flags all set (AF 1 before).
     */
    @Test
    void logicOperationsOfEveryShapeClearAfAsTheInterpreter() {
        Random rnd = new Random(1607);
        String[] shapes = {"ebx, esi", "ebx, ebx", "ebx, 0x1234", "bl, dl", "bl, bl", "ah, 0x5a", "ah, dl", "dl, ch",
            "ebx, dword ptr [0x20100]", "dword ptr [0x20104], esi", "dword ptr [0x20104], -0x7f", "ebx, 0x80000001",
            "byte ptr [0x20101], 0x0f", "byte ptr [0x20101], bh", "bl, byte ptr [0x20105]"};
        for (String op : new String[] {"and", "or", "xor", "test"}) {
            for (String shape : shapes) {
                if (op.equals("test") && shape.endsWith("-0x7f")) continue; // F7 /0 has no imm8 form: 10 bytes, no record
                check(op + " " + shape, 0, rnd, 4);
                // AF cleared at the next flag save (a store's probe, whose first run misses the TLB), not on the result
                check(op + " " + shape + "\nmov ecx, ebx\nmov [0x20208], edx\nmov ebp, 7", 0, rnd, 2);
                check(op + " " + shape + "\npush esi\npop edi", 0, rnd, 2);
            }
        }
    }

    /** MUL and IMUL of a byte (AX = AL times it; SF ZF PF AF undefined), register AL..BH or memory. */
    @Test
    void byteMultipliesSetEveryFlagAsTheInterpreter() {
        Random rnd = new Random(1608);
        for (String op : new String[] {"mul", "imul"}) {
            for (String operand : new String[] {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh", "byte ptr [0x20101]", "byte ptr [0x20104]"}) {
                check(op + " " + operand, 0, rnd, 10);
            }
        }
    }

    @Test
    void dividesKeepEveryFlagAsTheInterpreter() {
        Random rnd = new Random(1604);
        // a divisor from 2 to 0x7fff and a dividend whose quotient fits: no #DE; the flags before
        // are those of ADD (AF included), of a multiply or of a shift, all of which the divide keeps
        String[] before = {"add ebp, esi", "imul ebp, esi", "shl ebp, 3", "rcr ebp, 5", "sar ebp, cl"};
        for (String b : before) {
            check("and ebx, 0x7fff\nor ebx, 2\nmov edx, 0\n" + b + "\ndiv ebx", 3, rnd, 8);
            check("and ebx, 0x7fff\nor ebx, 2\nmov edx, eax\nsar edx, 31\n" + b + "\nidiv ebx", 3, rnd, 8);
            check("and ebx, 0x7fff\nor ebx, 2\nmov [0x20108], ebx\nmov edx, 0\n" + b + "\ndiv dword ptr [0x20108]", 3, rnd, 8);
            check("and ebx, 0x7fff\nor ebx, 2\nmov [0x20108], ebx\nmov edx, eax\nsar edx, 31\n" + b + "\nidiv dword ptr [0x20108]",
                    3, rnd, 8);
        }
    }

    /**
     * Random programs of multiplies, shifts and rotates of every shape and count, with SETcc of
     * single flags between them (so only some of an instruction's flags are live) and ADC/SBB and
     * RCL/RCR reading the carry the one before left; every flag compared at the end.
     */
    @Test
    void randomMixesOfMultipliesShiftsAndRotatesMatchTheInterpreter() {
        Random rnd = new Random(1605);
        String[] regs32 = {"eax", "ebx", "esi", "edi", "ebp"}, regs16 = {"ax", "bx", "si", "di", "bp"};
        String[] regs8 = {"al", "bl", "ah", "bh", "dl"};
        for (int n = 0; n < 120; n++) {
            List<String> p = new ArrayList<>();
            p.add(SETUP);
            for (int k = 0; k < 24; k++) {
                String op = SHIFTS[rnd.nextInt(SHIFTS.length)];
                switch (rnd.nextInt(9)) {
                    case 0: p.add("imul " + regs32[rnd.nextInt(5)] + ", " + regs32[rnd.nextInt(5)]); break;
                    case 1: p.add("imul " + regs32[rnd.nextInt(5)] + ", " + regs32[rnd.nextInt(5)] + ", " + (rnd.nextInt(2001) - 1000)); break;
                    case 2: p.add((rnd.nextBoolean() ? "mul " : "imul ") + (rnd.nextBoolean() ? regs32[1 + rnd.nextInt(4)] : regs8[rnd.nextInt(5)])); break;
                    case 3: p.add(op + " " + regs32[rnd.nextInt(5)] + ", " + rnd.nextInt(32)); break;
                    case 4: p.add(op + " " + (rnd.nextBoolean() ? regs16[rnd.nextInt(5)] : regs8[rnd.nextInt(5)]) + ", " + rnd.nextInt(32)); break;
                    case 5: p.add(op + " " + (rnd.nextBoolean() ? regs32[rnd.nextInt(5)] : regs16[rnd.nextInt(5)]) + ", cl"); break;
                    case 6: p.add(op + " " + new String[] {"byte", "word", "dword"}[rnd.nextInt(3)] + " ptr [0x20110], " + rnd.nextInt(32)); break;
                    case 7: p.add("set" + ONE_FLAG[rnd.nextInt(ONE_FLAG.length)] + " dl"); break;
                    default: p.add((rnd.nextBoolean() ? "adc " : "sbb ") + regs32[rnd.nextInt(5)] + ", " + regs32[rnd.nextInt(5)]); break;
                }
            }
            p.add("hlt");
            String program = String.join("\n", p);
            int[] r = registerSets().get(n % registerSets().size()).clone();
            r[X86Cpu.ECX] = (r[X86Cpu.ECX] & ~0xFF) | rnd.nextInt(40);
            assertNative(compare(program, r, 0x202 | (n % 3 == 0 ? ARITH : 0), ARITH, 1_000_000, UnaryOperator.identity()),
                    "random program " + n + " from " + Arrays.toString(r) + ":\n" + program);
        }
    }
}
