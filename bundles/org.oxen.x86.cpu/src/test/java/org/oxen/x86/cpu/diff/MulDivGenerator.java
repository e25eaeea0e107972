package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.AF;
import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.CF;
import static org.oxen.x86.cpu.diff.IntGenerators.OF;
import static org.oxen.x86.cpu.diff.IntGenerators.PF;
import static org.oxen.x86.cpu.diff.IntGenerators.SF;
import static org.oxen.x86.cpu.diff.IntGenerators.ZF;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg;
import static org.oxen.x86.cpu.diff.IntGenerators.imm;
import static org.oxen.x86.cpu.diff.IntGenerators.immValue;
import static org.oxen.x86.cpu.diff.IntGenerators.prefix;
import static org.oxen.x86.cpu.diff.IntGenerators.regName;
import static org.oxen.x86.cpu.diff.IntGenerators.rm;
import static org.oxen.x86.cpu.diff.IntGenerators.width;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Rm;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "muldiv" family: MUL/IMUL/DIV/IDIV (one operand) and the two- and three-operand IMUL forms.
 * EDX is biased so that most divisions fit (a #DE is compared like any other outcome); SF/ZF/AF/PF
 * after a multiply and every flag after a divide are undefined.
 */
final class MulDivGenerator {
    private MulDivGenerator() {
    }

    static TestCase muldiv(SplittableRandom r) {
        TestCase c = base(r, "muldiv", r.nextInt(4) == 0);
        // make divisions that fit more likely than not
        switch (r.nextInt(4)) {
            case 0:
                c.regs[2] = 0;
                break;
            case 1:
                c.regs[2] = c.regs[0] >> 31;
                break;
            case 2:
                c.regs[2] = r.nextInt(16) - 8;
                break;
            default:
                break;
        }
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(2);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int[] p = prefix(w);
            int wbit = w == 8 ? 0 : 1;
            int form = r.nextInt(5);
            if (form <= 2 || w == 8) {
                int op = 4 + r.nextInt(4);
                String[] names = {"mul", "imul", "div", "idiv"};
                Rm o = rm(r, c, op, w, true, false);
                boolean div = op >= 6;
                s.add(names[op - 4] + " " + o.text, div ? 0 : CF | OF, div ? ALL : (SF | ZF | AF | PF),
                        concat(p, new int[] {0xf6 | wbit}, o.bytes));
            } else if (form == 3) {
                int reg = dataReg(r);
                Rm o = rm(r, c, reg, w, true, false);
                s.add("imul " + regName(reg, w) + "," + o.text, CF | OF, SF | ZF | AF | PF,
                        concat(p, new int[] {0x0f, 0xaf}, o.bytes));
            } else {
                int reg = dataReg(r);
                Rm o = rm(r, c, reg, w, true, false);
                if (r.nextBoolean()) {
                    int v = immValue(r);
                    s.add("imul " + regName(reg, w) + "," + o.text + ",0x" + Integer.toHexString(v), CF | OF, SF | ZF | AF | PF,
                            concat(p, new int[] {0x69}, o.bytes, imm(v, w / 8)));
                } else {
                    int v = r.nextInt(256);
                    s.add("imul " + regName(reg, w) + "," + o.text + ",(sx)0x" + Integer.toHexString(v), CF | OF, SF | ZF | AF | PF,
                            concat(p, new int[] {0x6b}, o.bytes, new int[] {v}));
                }
            }
        }
        return s.finish();
    }
}
