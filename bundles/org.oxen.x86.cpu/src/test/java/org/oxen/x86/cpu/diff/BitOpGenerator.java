package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.AF;
import static org.oxen.x86.cpu.diff.IntGenerators.CF;
import static org.oxen.x86.cpu.diff.IntGenerators.OF;
import static org.oxen.x86.cpu.diff.IntGenerators.PF;
import static org.oxen.x86.cpu.diff.IntGenerators.SF;
import static org.oxen.x86.cpu.diff.IntGenerators.ZF;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg;
import static org.oxen.x86.cpu.diff.IntGenerators.eaOffset;
import static org.oxen.x86.cpu.diff.IntGenerators.prefix;
import static org.oxen.x86.cpu.diff.IntGenerators.regName;
import static org.oxen.x86.cpu.diff.IntGenerators.rm;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Rm;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "bitops" family: BSF/BSR (one per case, so the source is known and an undefined destination
 * for a zero source is masked) and BT/BTS/BTR/BTC with an immediate or a register bit offset; memory
 * forms with a register offset keep the addressed byte inside the compared buffer.
 */
final class BitOpGenerator {
    private BitOpGenerator() {
    }

    static TestCase bitops(SplittableRandom r) {
        TestCase c = base(r, "bitops", r.nextInt(3) == 0);
        c.regs[3] = TestCase.DATA_ADDR + 0x40;
        Seq s = new Seq(c);
        int w = r.nextBoolean() ? 16 : 32;
        int[] p = prefix(w);
        int kind = r.nextInt(4);
        if (kind == 0) { // BSF / BSR: single instruction so the source value is known
            boolean rev = r.nextBoolean();
            int reg = dataReg(r);
            if (r.nextInt(4) == 0) {
                c.regs[reg] = r.nextBoolean() ? 0 : 1 << r.nextInt(32);
            }
            Rm o = rm(r, c, reg, w, true, false);
            if (o.mem) {
                if (r.nextBoolean()) {
                    plantNonZero(r, c, o, w); // a nonzero source: the destination is defined
                } else {
                    c.regMask |= 1 << reg; // the source may be zero: destination undefined (SDM)
                }
            } else {
                int srcVal = c.regs[o.bytes[0] & 7];
                if ((w == 16 ? srcVal & 0xffff : srcVal) == 0) {
                    c.regMask |= 1 << reg; // destination undefined when the source is zero (SDM)
                }
            }
            s.add((rev ? "bsr " : "bsf ") + regName(reg, w) + "," + o.text, ZF, CF | OF | SF | AF | PF,
                    concat(p, new int[] {0x0f, rev ? 0xbd : 0xbc}, o.bytes));
            return s.finish();
        }
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int op = r.nextInt(4); // bt bts btr btc
            String[] names = {"bt", "bts", "btr", "btc"};
            if (r.nextBoolean()) { // immediate bit offset
                int bit = r.nextInt(256);
                Rm o = rm(r, c, 4 + op, w, true, op != 0);
                s.add(names[op] + " " + o.text + "," + bit, CF, OF | SF | AF | PF, concat(p, new int[] {0x0f, 0xba}, o.bytes, new int[] {bit}));
            } else { // register bit offset: kept small so memory forms stay in the buffer
                int reg = dataReg(r);
                // a memory form only first, before any instruction could change the offset register
                Rm o = rm(r, c, reg, w, k == 0, op != 0);
                if (o.mem) {
                    // the bit offset is signed and may address bytes before or after the operand: keep them in the buffer
                    int ea = eaOffset(c, o);
                    int target = 8 + r.nextInt(0xc8);
                    c.regs[reg] = 8 * (target - ea) + r.nextInt(8);
                } else if (k == 0 && r.nextBoolean()) { // later: the first instruction may rely on the initial value
                    c.regs[reg] = r.nextInt(0x400) - 0x200;
                }
                s.add(names[op] + " " + o.text + "," + regName(reg, w), CF, OF | SF | AF | PF,
                        concat(p, new int[] {0x0f, 0xa3 | op << 3}, o.bytes));
            }
        }
        return s.finish();
    }

    private static void plantNonZero(SplittableRandom r, TestCase c, Rm o, int w) {
        c.mem[eaOffset(c, o) + r.nextInt(w / 8)] |= (byte) (1 << r.nextInt(8));
    }
}
