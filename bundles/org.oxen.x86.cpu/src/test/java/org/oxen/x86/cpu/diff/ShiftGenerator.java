package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.AF;
import static org.oxen.x86.cpu.diff.IntGenerators.CF;
import static org.oxen.x86.cpu.diff.IntGenerators.OF;
import static org.oxen.x86.cpu.diff.IntGenerators.PF;
import static org.oxen.x86.cpu.diff.IntGenerators.SF;
import static org.oxen.x86.cpu.diff.IntGenerators.ZF;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.pickNot4;
import static org.oxen.x86.cpu.diff.IntGenerators.prefix;
import static org.oxen.x86.cpu.diff.IntGenerators.regName;
import static org.oxen.x86.cpu.diff.IntGenerators.rm;
import static org.oxen.x86.cpu.diff.IntGenerators.width;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Rm;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "shift" family: ROL/ROR/RCL/RCR/SHL/SHR/SAL/SAR by 1, CL or an immediate, and SHLD/SHRD, with
 * counts biased towards the edges (0, 1, the operand size, above 31). Flags follow the SDM: OF only
 * for a count of 1, AF undefined, CF undefined for SHL/SHR by at least the operand size; 16-bit
 * SHLD/SHRD counts above 16 (undefined results) are not generated. ECX holds the count and is never
 * a destination.
 */
final class ShiftGenerator {
    private static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
    private static final int[] COUNTS = {0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 255};

    private ShiftGenerator() {
    }

    static TestCase shift(SplittableRandom r) {
        TestCase c = base(r, "shift", r.nextInt(4) == 0);
        c.regs[1] = (c.regs[1] & ~0xff) | (r.nextBoolean() ? COUNTS[r.nextInt(COUNTS.length)] : r.nextInt(256));
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(2);
        for (int k = 0; k < n; k++) {
            shiftInsn(r, c, s);
        }
        return s.finish();
    }

    /** Destination registers for the shift family: data registers except ECX (the count). */
    private static Rm shiftDest(SplittableRandom r, TestCase c, int regField, int w) {
        Rm o;
        do {
            o = rm(r, c, regField, w, true, true);
        } while (!o.mem && (o.bytes[0] & 7) == 1);
        return o;
    }

    static void shiftInsn(SplittableRandom r, TestCase c, Seq s) {
        int w = width(r);
        int[] p = prefix(w);
        int wbit = w == 8 ? 0 : 1;
        if (w != 8 && r.nextInt(4) == 0) { // SHLD / SHRD
            boolean right = r.nextBoolean();
            boolean byCl = r.nextBoolean();
            int count = byCl ? c.regs[1] & 0xff : COUNTS[r.nextInt(COUNTS.length)];
            int mc = count & 31;
            if (w == 16 && mc > 16) { // result undefined by the SDM: not generated
                count = 16;
                mc = 16;
                if (byCl) {
                    byCl = false;
                }
            }
            int src = pickNot4(r);
            Rm o = shiftDest(r, c, src, w);
            int def = mc == 0 ? 0 : (CF | PF | ZF | SF | (mc == 1 ? OF : 0));
            int und = mc == 0 ? 0 : (AF | (mc == 1 ? 0 : OF));
            String name = (right ? "shrd " : "shld ") + o.text + "," + regName(src, w) + ",";
            if (byCl) {
                s.add(name + "cl", def, und, concat(p, new int[] {0x0f, right ? 0xad : 0xa5}, o.bytes));
            } else {
                s.add(name + count, def, und, concat(p, new int[] {0x0f, right ? 0xac : 0xa4}, o.bytes, new int[] {count}));
            }
            return;
        }
        int op;
        do {
            op = r.nextInt(8);
        } while (op == 6);
        int form = r.nextInt(3);
        int count;
        int[] enc;
        Rm o = shiftDest(r, c, op, w);
        String ctext;
        if (form == 0) {
            count = 1;
            enc = concat(p, new int[] {0xd0 | wbit}, o.bytes);
            ctext = "1";
        } else if (form == 1) {
            count = c.regs[1] & 0xff;
            enc = concat(p, new int[] {0xd2 | wbit}, o.bytes);
            ctext = "cl";
        } else {
            count = COUNTS[r.nextInt(COUNTS.length)];
            enc = concat(p, new int[] {0xc0 | wbit}, o.bytes, new int[] {count});
            ctext = Integer.toString(count);
        }
        int mc = count & 31;
        int def = 0, und = 0;
        if (mc != 0) {
            if (op <= 3) { // rotates: CF, OF only when the count is 1
                def = CF | (mc == 1 ? OF : 0);
                und = mc == 1 ? 0 : OF;
            } else {
                def = PF | ZF | SF | (mc == 1 ? OF : 0);
                und = AF | (mc == 1 ? 0 : OF);
                if (op != 7 && mc >= w) {
                    und |= CF; // SHL/SHR with count >= operand size
                } else {
                    def |= CF;
                }
            }
        }
        s.add(SHIFT[op] + " " + o.text + "," + ctext, def, und, enc);
    }
}
