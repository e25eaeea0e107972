package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.prefix;
import static org.oxen.x86.cpu.diff.IntGenerators.width;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "string" family: MOVS/CMPS/STOS/LODS/SCAS in all widths, without a prefix or with REP/REPE/REPNE;
 * ESI and EDI point into the compared buffer and ECX is small. A repeated instruction ends the case
 * (ECX is 0 afterwards), and flags after a zero-iteration repeat stay as they were.
 */
final class StringGenerator {
    private StringGenerator() {
    }

    static TestCase string(SplittableRandom r) {
        TestCase c = base(r, "string", true);
        c.regs[6] = TestCase.DATA_ADDR + 0x40 + r.nextInt(0x20); // ESI
        c.regs[7] = TestCase.DATA_ADDR + 0x80 + r.nextInt(0x20); // EDI
        c.regs[1] = r.nextInt(10) == 0 ? 0 : r.nextInt(12); // ECX
        if (r.nextBoolean()) {
            // make some compares run longer: equal prefixes
            int len = r.nextInt(24);
            int si = c.regs[6] - TestCase.DATA_ADDR, di = c.regs[7] - TestCase.DATA_ADDR;
            for (int i = 0; i < len; i++) {
                c.mem[di + i - 12] = c.mem[si + i - 12];
            }
        }
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(2);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int wbit = w == 8 ? 0 : 1;
            int[] p = prefix(w);
            int kind = r.nextInt(5);
            int[] ops = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
            String[] names = {"movs", "cmps", "stos", "lods", "scas"};
            int rep = r.nextInt(3); // none, F3, F2
            int[] pre = rep == 0 ? new int[0] : new int[] {rep == 1 ? 0xf3 : 0xf2};
            boolean cmp = kind == 1 || kind == 4;
            String sfx = w == 8 ? "b" : w == 16 ? "w" : "d";
            String rp = rep == 0 ? "" : rep == 1 ? (cmp ? "repe " : "rep ") : (cmp ? "repne " : "repne(f2) ");
            // an iteration count of zero leaves the flags unchanged: they stay defined only if nothing else undefined them
            s.add(rp + names[kind] + sfx, cmp && (rep == 0 || c.regs[1] != 0) ? ALL : 0, 0,
                    concat(pre, p, new int[] {ops[kind] | wbit}));
            if (rep != 0) {
                break; // ECX is 0 after a REP: keep one per case
            }
        }
        return s.finish();
    }
}
