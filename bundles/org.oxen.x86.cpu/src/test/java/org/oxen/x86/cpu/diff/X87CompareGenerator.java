package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.AF;
import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.CC;
import static org.oxen.x86.cpu.diff.IntGenerators.CF;
import static org.oxen.x86.cpu.diff.IntGenerators.LOGIC_DEF;
import static org.oxen.x86.cpu.diff.IntGenerators.PF;
import static org.oxen.x86.cpu.diff.IntGenerators.SF;
import static org.oxen.x86.cpu.diff.IntGenerators.ZF;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "x87-compare" family: an x87 compare whose result integer code consumes, as compilers emit it:
 * FCOM/FUCOM/FTST/FICOM + FNSTSW AX + SAHF or TEST AH / AND AH, or FCOMI/FUCOMI, then SETcc, Jcc or
 * CMOVcc. Exceptions are masked, as compiled code runs.
 */
final class X87CompareGenerator {
    private X87CompareGenerator() {
    }

    /**
     * An x87 compare whose result integer code consumes: FCOM/FUCOM/FTST/FICOM + FNSTSW AX + SAHF
     * or TEST AH / AND AH + SETcc/Jcc/CMOVcc, or FCOMI/FUCOMI + SETcc/Jcc/CMOVcc.
     */
    static TestCase x87Compare(SplittableRandom r) {
        TestCase c = X87Generator.randomState(r, "x87-compare");
        c.fcw |= 0x3f; // masked, as compiled code runs
        c.fsw &= ~0xbf;
        Seq s = new Seq(c);
        int i = r.nextInt(8);
        int cc = r.nextInt(16);
        if (r.nextBoolean()) {
            switch (r.nextInt(5)) {
                case 0:
                    s.add("fcom st" + i, 0, 0, 0xd8, 0xd0 | i);
                    break;
                case 1:
                    s.add("fucomp st" + i, 0, 0, 0xdd, 0xe8 | i);
                    break;
                case 2:
                    s.add("ftst", 0, 0, 0xd9, 0xe4);
                    break;
                case 3: {
                    long bits = Operands.f64(r);
                    for (int k = 0; k < 8; k++) {
                        c.mem[0x10 + k] = (byte) (bits >>> (8 * k));
                    }
                    s.add("fcomp m64 [ebx+16]", 0, 0, 0xdc, 0x5b, 0x10);
                    break;
                }
                default: {
                    int v = Operands.int32(r);
                    for (int k = 0; k < 4; k++) {
                        c.mem[0x10 + k] = (byte) (v >>> (8 * k));
                    }
                    s.add("ficom m32 [ebx+16]", 0, 0, 0xda, 0x53, 0x10);
                    break;
                }
            }
            s.add("fnstsw ax", 0, 0, 0xdf, 0xe0);
            switch (r.nextInt(3)) {
                case 0:
                    s.add("sahf", CF | PF | AF | ZF | SF, 0, 0x9e);
                    break;
                case 1: {
                    int[] masks = {0x01, 0x04, 0x40, 0x41, 0x44, 0x45, 0x05};
                    int mk = masks[r.nextInt(masks.length)];
                    s.add("test ah,0x" + Integer.toHexString(mk), LOGIC_DEF, AF, 0xf6, 0xc4, mk);
                    break;
                }
                default:
                    s.add("and ah,0x45; cmp ah,0x40", ALL, 0, 0x80, 0xe4, 0x45, 0x80, 0xfc, 0x40);
                    break;
            }
        } else {
            if (r.nextBoolean()) {
                s.add("fcomi st" + i, 0, 0, 0xdb, 0xf0 | i);
            } else {
                s.add("fucomip st" + i, 0, 0, 0xdf, 0xe8 | i);
            }
        }
        switch (r.nextInt(3)) {
            case 0:
                s.add("set" + CC[cc] + " dl", 0, 0, 0x0f, 0x90 | cc, 0xc2);
                break;
            case 1:
                s.add("j" + CC[cc] + " +1; inc ecx", 0, 0, 0x70 | cc, 1, 0x41);
                break;
            default:
                s.add("cmov" + CC[cc] + " esi,edi", 0, 0, 0x0f, 0x40 | cc, 0xf7);
                break;
        }
        TestCase out = s.finish();
        // FCOMI/FUCOMI leave C1 vendor-dependent (see X87Generator.conditionCodes)
        if (!X87Generator.STRICT) {
            out.fswMask &= ~0x200;
        }
        return out;
    }
}
