package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.AF;
import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.ALU;
import static org.oxen.x86.cpu.diff.IntGenerators.CF;
import static org.oxen.x86.cpu.diff.IntGenerators.LOGIC_DEF;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg8;
import static org.oxen.x86.cpu.diff.IntGenerators.imm;
import static org.oxen.x86.cpu.diff.IntGenerators.immValue;
import static org.oxen.x86.cpu.diff.IntGenerators.pickNot4;
import static org.oxen.x86.cpu.diff.IntGenerators.prefix;
import static org.oxen.x86.cpu.diff.IntGenerators.regName;
import static org.oxen.x86.cpu.diff.IntGenerators.rm;
import static org.oxen.x86.cpu.diff.IntGenerators.width;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Rm;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "alu" family: ADD/OR/ADC/SBB/AND/SUB/XOR/CMP in all forms (r/m,reg; reg,r/m; accumulator,imm;
 * 80/81/83 group), INC/DEC, NOT/NEG and TEST, in 8/16/32-bit widths with register or memory operands.
 * Logic operations leave AF undefined. Case builders draw from the random source in a fixed order, so
 * a seed reproduces the same cases.
 */
final class AluGenerator {
    private AluGenerator() {
    }

    static TestCase alu(SplittableRandom r) {
        TestCase c = base(r, "alu", r.nextBoolean());
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            aluInsn(r, c, s);
        }
        return s.finish();
    }

    static void aluInsn(SplittableRandom r, TestCase c, Seq s) {
        int w = width(r);
        int[] p = prefix(w);
        int wbit = w == 8 ? 0 : 1;
        int form = r.nextInt(10);
        if (form <= 5) {
            int op = r.nextInt(8);
            int def = op == 1 || op == 4 || op == 6 ? LOGIC_DEF : ALL;
            int und = def == LOGIC_DEF ? AF : 0;
            String name = ALU[op];
            switch (form) {
                case 0:
                case 1: { // r/m, reg
                    int reg = w == 8 ? r.nextInt(8) : pickNot4(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add(name + " " + o.text + "," + regName(reg, w), def, und, concat(p, new int[] {op << 3 | wbit}, o.bytes));
                    return;
                }
                case 2: { // reg, r/m
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add(name + " " + regName(reg, w) + "," + o.text, def, und, concat(p, new int[] {op << 3 | 2 | wbit}, o.bytes));
                    return;
                }
                case 3: { // accumulator, imm
                    int v = immValue(r);
                    s.add(name + " " + regName(0, w) + ",0x" + Integer.toHexString(v), def, und,
                            concat(p, new int[] {op << 3 | 4 | wbit}, imm(v, w / 8)));
                    return;
                }
                case 4: { // 80/81 /op imm
                    int v = immValue(r);
                    Rm o = rm(r, c, op, w, true, true);
                    s.add(name + " " + o.text + ",0x" + Integer.toHexString(v), def, und,
                            concat(p, new int[] {0x80 | wbit}, o.bytes, imm(v, w / 8)));
                    return;
                }
                default: { // 83 /op imm8 sign-extended
                    if (w == 8) {
                        w = 32;
                        p = prefix(w);
                    }
                    int v = r.nextInt(256);
                    Rm o = rm(r, c, op, w, true, true);
                    s.add(name + " " + o.text + ",(sx)0x" + Integer.toHexString(v), def, und,
                            concat(p, new int[] {0x83}, o.bytes, new int[] {v}));
                    return;
                }
            }
        }
        switch (form) {
            case 6: { // inc/dec r/m
                int op = r.nextInt(2);
                Rm o = rm(r, c, op, w, true, true);
                s.add((op == 0 ? "inc " : "dec ") + o.text, ALL & ~CF, 0, concat(p, new int[] {0xfe | wbit}, o.bytes));
                return;
            }
            case 7: { // inc/dec reg (short form)
                if (w == 8) {
                    w = 32;
                    p = prefix(w);
                }
                int op = r.nextInt(2);
                int reg = dataReg(r);
                s.add((op == 0 ? "inc " : "dec ") + regName(reg, w), ALL & ~CF, 0, concat(p, new int[] {0x40 | op << 3 | reg}));
                return;
            }
            case 8: { // not/neg
                boolean neg = r.nextBoolean();
                Rm o = rm(r, c, neg ? 3 : 2, w, true, true);
                s.add((neg ? "neg " : "not ") + o.text, neg ? ALL : 0, 0, concat(p, new int[] {0xf6 | wbit}, o.bytes));
                return;
            }
            default: { // test
                switch (r.nextInt(3)) {
                    case 0: {
                        int reg = w == 8 ? r.nextInt(8) : pickNot4(r);
                        Rm o = rm(r, c, reg, w, true, false);
                        s.add("test " + o.text + "," + regName(reg, w), LOGIC_DEF, AF, concat(p, new int[] {0x84 | wbit}, o.bytes));
                        return;
                    }
                    case 1: {
                        int v = immValue(r);
                        s.add("test " + regName(0, w) + ",0x" + Integer.toHexString(v), LOGIC_DEF, AF,
                                concat(p, new int[] {0xa8 | wbit}, imm(v, w / 8)));
                        return;
                    }
                    default: {
                        int v = immValue(r);
                        Rm o = rm(r, c, 0, w, true, false);
                        s.add("test " + o.text + ",0x" + Integer.toHexString(v), LOGIC_DEF, AF,
                                concat(p, new int[] {0xf6 | wbit}, o.bytes, imm(v, w / 8)));
                        return;
                    }
                }
            }
        }
    }
}
