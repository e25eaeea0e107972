package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.AF;
import static org.oxen.x86.cpu.diff.IntGenerators.CF;
import static org.oxen.x86.cpu.diff.IntGenerators.OF;
import static org.oxen.x86.cpu.diff.IntGenerators.PF;
import static org.oxen.x86.cpu.diff.IntGenerators.SF;
import static org.oxen.x86.cpu.diff.IntGenerators.ZF;
import static org.oxen.x86.cpu.diff.IntGenerators.base;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "bcd" family: DAA, DAS, AAA, AAS, AAM and AAD (including a zero AAM base, which faults), often
 * on valid packed-BCD inputs in AX.
 */
final class BcdGenerator {
    private BcdGenerator() {
    }

    static TestCase bcd(SplittableRandom r) {
        TestCase c = base(r, "bcd", false);
        if (r.nextBoolean()) {
            c.regs[0] = (c.regs[0] & ~0xffff) | (r.nextInt(10) << 12 | r.nextInt(10) << 8 | r.nextInt(10) << 4 | r.nextInt(10));
        }
        Seq s = new Seq(c);
        switch (r.nextInt(6)) {
            case 0:
                s.add("daa", CF | AF | SF | ZF | PF, OF, 0x27);
                break;
            case 1:
                s.add("das", CF | AF | SF | ZF | PF, OF, 0x2f);
                break;
            case 2:
                s.add("aaa", AF | CF, OF | SF | ZF | PF, 0x37);
                break;
            case 3:
                s.add("aas", AF | CF, OF | SF | ZF | PF, 0x3f);
                break;
            case 4: {
                int b = r.nextInt(8) == 0 ? 0 : r.nextInt(4) == 0 ? r.nextInt(256) : 10;
                s.add("aam " + b, SF | ZF | PF, OF | AF | CF, 0xd4, b);
                break;
            }
            default: {
                int b = r.nextInt(4) == 0 ? r.nextInt(256) : 10;
                s.add("aad " + b, SF | ZF | PF, OF | AF | CF, 0xd5, b);
                break;
            }
        }
        return s.finish();
    }
}
