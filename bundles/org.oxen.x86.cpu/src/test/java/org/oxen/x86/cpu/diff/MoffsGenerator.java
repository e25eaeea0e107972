package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg8;
import static org.oxen.x86.cpu.diff.IntGenerators.imm;
import static org.oxen.x86.cpu.diff.IntGenerators.regName;
import static org.oxen.x86.cpu.diff.IntGenerators.rm;

import java.util.SplittableRandom;
import org.oxen.x86.cpu.diff.IntGenerators.Rm;
import org.oxen.x86.cpu.diff.IntGenerators.Seq;

/**
 * The "moffs" family: MOV AL/AX/EAX to and from a moffs32 in the buffer (A0-A3), and MOV and ADD
 * with a ModR/M memory operand, each with or without a segment override the host's flat user
 * segments share (ES, SS, DS: 26, 36, 3E; FS and GS differ between the native harness and oxen).
 */
final class MoffsGenerator {
    private MoffsGenerator() {
    }

    private static final int[] OVERRIDES = {0x26, 0x36, 0x3e};
    private static final String[] OVERRIDE_NAMES = {"es:", "ss:", "ds:"};

    static TestCase moffs(SplittableRandom r) {
        TestCase c = base(r, "moffs", true);
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            int o = r.nextInt(OVERRIDES.length + 1);
            int[] seg = o < OVERRIDES.length ? new int[] {OVERRIDES[o]} : new int[0];
            String segName = o < OVERRIDES.length ? OVERRIDE_NAMES[o] : "";
            int w = r.nextInt(4) == 0 ? 8 : r.nextInt(4) == 0 ? 16 : 32;
            int[] opsize = w == 16 ? new int[] {0x66} : new int[0];
            int wbit = w == 8 ? 0 : 1;
            if (r.nextInt(3) > 0) {
                int a = TestCase.DATA_ADDR + r.nextInt(TestCase.MEM_SIZE - 3);
                boolean load = r.nextBoolean();
                String mem = segName + String.format("[0x%x]", a);
                s.add("mov " + (load ? regName(0, w) + "," + mem : mem + "," + regName(0, w)), 0, 0,
                        concat(seg, opsize, new int[] {(load ? 0xa0 : 0xa2) | wbit}, imm(a, 4)));
            } else {
                int reg = w == 8 ? dataReg8(r) : dataReg(r); // never BH, BL (EBX is the address)
                Rm m = rm(r, c, reg, w, true, true);
                if (!m.mem) {
                    seg = new int[0];
                    segName = "";
                }
                switch (r.nextInt(3)) {
                    case 0:
                        s.add("mov " + regName(reg, w) + "," + segName + m.text, 0, 0, concat(seg, opsize, new int[] {0x8a | wbit}, m.bytes));
                        break;
                    case 1:
                        s.add("mov " + segName + m.text + "," + regName(reg, w), 0, 0, concat(seg, opsize, new int[] {0x88 | wbit}, m.bytes));
                        break;
                    default:
                        s.add("add " + segName + m.text + "," + regName(reg, w), ALL, 0, concat(seg, opsize, new int[] {0x00 | wbit}, m.bytes));
                        break;
                }
            }
        }
        return s.finish();
    }
}
