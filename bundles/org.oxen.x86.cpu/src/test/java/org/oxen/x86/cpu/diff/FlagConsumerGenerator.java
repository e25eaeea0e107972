package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.AF;
import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.ALU;
import static org.oxen.x86.cpu.diff.IntGenerators.CC;
import static org.oxen.x86.cpu.diff.IntGenerators.CF;
import static org.oxen.x86.cpu.diff.IntGenerators.PF;
import static org.oxen.x86.cpu.diff.IntGenerators.R32;
import static org.oxen.x86.cpu.diff.IntGenerators.R8;
import static org.oxen.x86.cpu.diff.IntGenerators.SF;
import static org.oxen.x86.cpu.diff.IntGenerators.ZF;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg8;
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
 * The "flags" family: instructions that read the flags (Jcc short and near, SETcc, CMOVcc, LAHF,
 * PUSHFD, ADC/SBB, LOOP/LOOPE/LOOPNE, JECXZ) mixed with flag writers (SAHF, CMC/CLC/STC/CLD/STD and
 * ALU producers), so that every consumer reads only flags that are defined at that point.
 */
final class FlagConsumerGenerator {
    private FlagConsumerGenerator() {
    }

    static TestCase flags(SplittableRandom r) {
        TestCase c = base(r, "flags", r.nextInt(3) == 0);
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int cc = r.nextInt(16);
            switch (r.nextInt(14)) {
                case 0:
                    s.add("j" + CC[cc] + " short +1; inc eax", 0, 0, 0x70 | cc, 0x01, 0x40);
                    break;
                case 1:
                    s.add("j" + CC[cc] + " near +1; inc ecx", 0, 0, 0x0f, 0x80 | cc, 0x01, 0, 0, 0, 0x41);
                    break;
                case 2: {
                    Rm o = rm(r, c, 0, 8, true, true);
                    s.add("set" + CC[cc] + " " + o.text, 0, 0, concat(new int[] {0x0f, 0x90 | cc}, o.bytes));
                    break;
                }
                case 3:
                case 4: {
                    int w = r.nextInt(3) == 0 ? 16 : 32;
                    int reg = dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add("cmov" + CC[cc] + " " + regName(reg, w) + "," + o.text, 0, 0,
                            concat(prefix(w), new int[] {0x0f, 0x40 | cc}, o.bytes));
                    break;
                }
                case 5:
                    s.add("lahf", 0, 0, 0x9f);
                    break;
                case 6:
                    s.add("sahf", CF | PF | AF | ZF | SF, 0, 0x9e);
                    break;
                case 7: {
                    if (c.mem == null) {
                        c.mem = new byte[TestCase.MEM_SIZE];
                    }
                    int reg = dataReg(r);
                    s.add("pushfd; pop " + R32[reg], 0, 0, 0x9c, 0x58 | reg);
                    break;
                }
                case 8: {
                    int[] op = {0xf5, 0xf8, 0xf9, 0xfc, 0xfd};
                    String[] nm = {"cmc", "clc", "stc", "cld", "std"};
                    int k2 = r.nextInt(5);
                    s.add(nm[k2], k2 < 3 ? CF : 0, 0, op[k2]);
                    break;
                }
                case 9: { // adc/sbb reading CF
                    int w = width(r);
                    int op = r.nextBoolean() ? 2 : 3;
                    Rm o = rm(r, c, op, w, true, true);
                    int v = immValue(r);
                    s.add(ALU[op] + " " + o.text + ",0x" + Integer.toHexString(v), ALL, 0,
                            concat(prefix(w), new int[] {w == 8 ? 0x80 : 0x81}, o.bytes, imm(v, w / 8)));
                    break;
                }
                case 10: { // loop family over "inc eax"
                    int[] op = {0xe2, 0xe1, 0xe0};
                    String[] nm = {"loop", "loope", "loopne"};
                    int k2 = r.nextInt(3);
                    int cnt = r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(6); // ECX=0 would loop 2^32 times after the dec: keep it >= 1 when looping
                    if (cnt == 0) {
                        cnt = 1;
                    }
                    s.add("mov ecx," + cnt + "; inc eax; " + nm[k2] + " -3", ALL & ~CF, 0,
                            concat(new int[] {0xb9}, imm(cnt, 4), new int[] {0x40, op[k2], 0xfd}));
                    break;
                }
                case 11:
                    if (r.nextBoolean()) {
                        c.regs[1] = 0;
                    }
                    s.add("jecxz +1; inc edx", 0, 0, 0xe3, 0x01, 0x42);
                    break;
                case 12: { // a defined-flag producer
                    int w = width(r);
                    int op = new int[] {0, 5, 7}[r.nextInt(3)];
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add(ALU[op] + " " + regName(reg, w) + "," + o.text, ALL, 0,
                            concat(prefix(w), new int[] {op << 3 | 2 | (w == 8 ? 0 : 1)}, o.bytes));
                    break;
                }
                default: { // setcc into a byte register
                    int reg = dataReg8(r);
                    s.add("set" + CC[cc] + " " + R8[reg], 0, 0, 0x0f, 0x90 | cc, 0xc0 | reg);
                    break;
                }
            }
        }
        return s.finish();
    }
}
