package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.R32;
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
 * The "misc" family: XADD, CMPXCHG (made to succeed sometimes), BSWAP, XCHG, MOVSX/MOVZX,
 * CBW/CWDE/CWD/CDQ, LEA with random SIB forms, PUSH/POP pairs and CMPXCHG8B.
 */
final class MiscGenerator {
    private MiscGenerator() {
    }

    static TestCase misc(SplittableRandom r) {
        TestCase c = base(r, "misc", r.nextBoolean());
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int[] p = prefix(w);
            int wbit = w == 8 ? 0 : 1;
            switch (r.nextInt(10)) {
                case 0: {
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add("xadd " + o.text + "," + regName(reg, w), ALL, 0, concat(p, new int[] {0x0f, 0xc0 | wbit}, o.bytes));
                    break;
                }
                case 1:
                case 2: {
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    if (r.nextBoolean()) { // make the compare succeed sometimes
                        if (!o.mem) {
                            c.regs[0] = c.regs[o.bytes[0] & 7];
                        }
                    }
                    s.add("cmpxchg " + o.text + "," + regName(reg, w), ALL, 0, concat(p, new int[] {0x0f, 0xb0 | wbit}, o.bytes));
                    break;
                }
                case 3: {
                    int reg = dataReg(r);
                    s.add("bswap " + R32[reg], 0, 0, 0x0f, 0xc8 | reg);
                    break;
                }
                case 4: {
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add("xchg " + o.text + "," + regName(reg, w), 0, 0, concat(p, new int[] {0x86 | wbit}, o.bytes));
                    break;
                }
                case 5: {
                    int reg = dataReg(r);
                    int sw = r.nextBoolean() ? 8 : 16;
                    boolean sx = r.nextBoolean();
                    int dw = sw == 16 || r.nextBoolean() ? 32 : 16;
                    Rm o = rm(r, c, reg, sw, true, false);
                    s.add((sx ? "movsx " : "movzx ") + regName(reg, dw) + "," + o.text, 0, 0,
                            concat(prefix(dw), new int[] {0x0f, (sx ? 0xbe : 0xb6) | (sw == 16 ? 1 : 0)}, o.bytes));
                    break;
                }
                case 6: {
                    boolean w16 = r.nextBoolean();
                    if (r.nextBoolean()) {
                        s.add(w16 ? "cbw" : "cwde", 0, 0, concat(prefix(w16 ? 16 : 32), new int[] {0x98}));
                    } else {
                        s.add(w16 ? "cwd" : "cdq", 0, 0, concat(prefix(w16 ? 16 : 32), new int[] {0x99}));
                    }
                    break;
                }
                case 7: { // LEA with random SIB forms: address arithmetic only
                    int reg = dataReg(r);
                    int base = r.nextInt(8);
                    int index = r.nextInt(8);
                    int scale = r.nextInt(4);
                    int mod = r.nextInt(3);
                    int[] disp = mod == 0 ? new int[0] : mod == 1 ? new int[] {r.nextInt(256)} : imm(r.nextInt(), 4);
                    if (mod == 0 && base == 5) {
                        disp = imm(r.nextInt(), 4);
                    }
                    int lw = r.nextInt(4) == 0 ? 16 : 32;
                    s.add("lea " + regName(reg, lw) + ",[sib base=" + base + " index=" + index + " scale=" + (1 << scale)
                            + " mod=" + mod + "]", 0, 0,
                            concat(prefix(lw), new int[] {0x8d, mod << 6 | reg << 3 | 4, scale << 6 | index << 3 | base}, disp));
                    break;
                }
                case 8: {
                    if (c.mem == null) {
                        c.mem = new byte[TestCase.MEM_SIZE];
                    }
                    int reg = dataReg(r);
                    int reg2 = dataReg(r);
                    if (r.nextBoolean()) {
                        s.add("push " + R32[reg] + "; pop " + R32[reg2], 0, 0, 0x50 | reg, 0x58 | reg2);
                    } else {
                        int v = immValue(r);
                        s.add("push 0x" + Integer.toHexString(v) + "; pop " + R32[reg2], 0, 0, concat(new int[] {0x68}, imm(v, 4), new int[] {0x58 | reg2}));
                    }
                    break;
                }
                default: {
                    if (c.mem == null) {
                        break;
                    }
                    int ebxOff = c.regs[3] - TestCase.DATA_ADDR;
                    int off = Math.max(0, ebxOff - 128) + r.nextInt(Math.min(0xb8, ebxOff + 120) - Math.max(0, ebxOff - 128));
                    if (r.nextBoolean()) { // make it succeed sometimes
                        for (int i = 0; i < 4; i++) {
                            c.mem[off + i] = (byte) (c.regs[0] >>> (8 * i));
                            c.mem[off + 4 + i] = (byte) (c.regs[2] >>> (8 * i));
                        }
                    }
                    int d = off - (c.regs[3] - TestCase.DATA_ADDR);
                    s.add("cmpxchg8b [ebx+" + d + "]", ZF, 0, 0x0f, 0xc7, 0x4b, d & 0xff);
                    break;
                }
            }
        }
        return s.finish();
    }
}
