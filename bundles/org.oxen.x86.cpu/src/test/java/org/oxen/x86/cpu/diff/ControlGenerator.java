package org.oxen.x86.cpu.diff;

import static org.oxen.x86.cpu.diff.IntGenerators.ALL;
import static org.oxen.x86.cpu.diff.IntGenerators.R32;
import static org.oxen.x86.cpu.diff.IntGenerators.base;
import static org.oxen.x86.cpu.diff.IntGenerators.concat;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg;
import static org.oxen.x86.cpu.diff.IntGenerators.dataReg8;
import static org.oxen.x86.cpu.diff.IntGenerators.eaOffset;
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
 * The "control" family: MOV forms, stack operations, near CALL/RET, ENTER/LEAVE, POPFD, XLAT, NOPs,
 * INT3/INTO, BOUND, segment-override prefixes, and instructions that fault at CPL 3 (privileged
 * instructions, UD2). INT3, BOUND, UD2, the privileged instructions and CS: MOVSD are always the last
 * instruction of their case.
 */
final class ControlGenerator {
    private ControlGenerator() {
    }

    /** MOV forms, stack operations, near CALL/RET, ENTER/LEAVE, POPF, XLAT, NOPs, INT3/INTO and instructions that fault at CPL 3. */
    static TestCase control(SplittableRandom r) {
        TestCase c = base(r, "control", true);
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int[] p = prefix(w);
            int wbit = w == 8 ? 0 : 1;
            switch (r.nextInt(17)) {
                case 0: { // mov r/m, reg
                    int reg = w == 8 ? r.nextInt(8) : pickNot4(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add("mov " + o.text + "," + regName(reg, w), 0, 0, concat(p, new int[] {0x88 | wbit}, o.bytes));
                    break;
                }
                case 1: { // mov reg, r/m
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add("mov " + regName(reg, w) + "," + o.text, 0, 0, concat(p, new int[] {0x8a | wbit}, o.bytes));
                    break;
                }
                case 2: { // mov r/m, imm and mov reg, imm
                    int v = immValue(r);
                    if (r.nextBoolean()) {
                        Rm o = rm(r, c, 0, w, true, true);
                        s.add("mov " + o.text + ",0x" + Integer.toHexString(v), 0, 0, concat(p, new int[] {0xc6 | wbit}, o.bytes, imm(v, w / 8)));
                    } else {
                        int reg = w == 8 ? dataReg8(r) : dataReg(r);
                        s.add("mov " + regName(reg, w) + ",0x" + Integer.toHexString(v), 0, 0,
                                concat(p, new int[] {(w == 8 ? 0xb0 : 0xb8) | reg}, imm(v, w / 8)));
                    }
                    break;
                }
                case 3: { // mov accumulator <-> moffs
                    int a = TestCase.DATA_ADDR + r.nextInt(0xc0);
                    boolean store = r.nextBoolean();
                    s.add("mov " + (store ? String.format("[0x%x],%s", a, regName(0, w)) : String.format("%s,[0x%x]", regName(0, w), a)), 0, 0,
                            concat(p, new int[] {(store ? 0xa2 : 0xa0) | wbit}, imm(a, 4)));
                    break;
                }
                case 4: { // call/ret within the sequence
                    if (r.nextBoolean()) {
                        int reg = dataReg(r);
                        s.add("call +0; pop " + R32[reg], 0, 0, 0xe8, 0, 0, 0, 0, 0x58 | reg);
                    } else if (r.nextBoolean()) {
                        s.add("call L; jmp +1; L: ret", 0, 0, 0xe8, 2, 0, 0, 0, 0xeb, 1, 0xc3);
                    } else {
                        s.add("push 2x; call L; jmp +3; L: ret 8", 0, 0, 0x6a, r.nextInt(256), 0x6a, r.nextInt(256),
                                0xe8, 2, 0, 0, 0, 0xeb, 3, 0xc2, 8, 0);
                    }
                    break;
                }
                case 5: { // enter n,0 / leave
                    int size = r.nextInt(4) * 4;
                    s.add("enter " + size + ",0; leave", 0, 0, 0xc8, size, 0, 0, 0xc9);
                    break;
                }
                case 6:
                    s.add("pushad; popad", 0, 0, 0x60, 0x61);
                    break;
                case 7: { // push/pop memory, push imm8
                    Rm o = rm(r, c, 6, 32, true, false);
                    if (o.mem && r.nextBoolean()) {
                        Rm d = rm(r, c, 0, 32, true, true);
                        if (d.mem) {
                            s.add("push " + o.text + "; pop " + d.text, 0, 0, concat(new int[] {0xff}, o.bytes, new int[] {0x8f}, d.bytes));
                            break;
                        }
                    }
                    int reg = dataReg(r);
                    s.add("push (sx)imm8; pop " + R32[reg], 0, 0, 0x6a, r.nextInt(256), 0x58 | reg);
                    break;
                }
                case 8: { // popf with a random value (never TF or AC; IF and IOPL are kept at CPL 3)
                    int v = r.nextInt() & ~(0x100 | 0x40000);
                    s.add("push 0x" + Integer.toHexString(v) + "; popfd", ALL, 0, concat(new int[] {0x68}, imm(v, 4), new int[] {0x9d}));
                    break;
                }
                case 9:
                    s.add("xlat", 0, 0, 0xd7);
                    break;
                case 10: {
                    switch (r.nextInt(3)) {
                        case 0:
                            s.add("nop", 0, 0, 0x90);
                            break;
                        case 1:
                            s.add("pause", 0, 0, 0xf3, 0x90);
                            break;
                        default: {
                            Rm o = rm(r, c, 0, 32, true, false);
                            s.add("nop " + o.text, 0, 0, concat(new int[] {0x0f, 0x1f}, o.bytes));
                            break;
                        }
                    }
                    break;
                }
                case 11: { // privileged at CPL 3: #GP
                    int[][] ops = {{0xfa}, {0xfb}, {0xe4, 0x80}, {0xe6, 0x80}, {0xec}, {0xee}};
                    String[] nm = {"cli", "sti", "in al,0x80", "out 0x80,al", "in al,dx", "out dx,al"};
                    int k2 = r.nextInt(ops.length);
                    s.add(nm[k2], 0, 0, ops[k2]);
                    return s.finish(); // nothing runs after the fault
                }
                case 12:
                    s.add("ud2", 0, 0, 0x0f, 0x0b);
                    return s.finish();
                case 13:
                    // no INT1/ICEBP: Linux reports its SIGTRAP with EIP at the instruction, which is the
                    // kernel's doing, not the CPU's (the #DB trap pushes the next EIP)
                    switch (r.nextInt(3)) {
                        case 0:
                            s.add("int3", 0, 0, 0xcc); // #BP trap
                            return s.finish();
                        default:
                            s.add("into", 0, 0, 0xce); // #OF trap when OF=1
                            break;
                    }
                    break;
                case 14: { // bound r32, m32&32
                    int reg = dataReg(r);
                    Rm o;
                    do {
                        o = rm(r, c, reg, 32, true, false);
                    } while (!o.mem);
                    int ea = eaOffset(c, o);
                    if (ea + 8 > TestCase.MEM_SIZE - 0x20) {
                        break;
                    }
                    int lo = r.nextInt(200) - 100, hi = lo + r.nextInt(200);
                    for (int i = 0; i < 4; i++) {
                        c.mem[ea + i] = (byte) (lo >>> (8 * i));
                        c.mem[ea + 4 + i] = (byte) (hi >>> (8 * i));
                    }
                    c.regs[reg] = lo - 20 + r.nextInt(hi - lo + 40);
                    s.add("bound " + R32[reg] + "," + o.text, 0, 0, concat(new int[] {0x62}, o.bytes));
                    return s.finish();
                }
                case 15: { // flat segment-override prefixes on a memory access
                    int[] seg = {0x26, 0x2e, 0x36, 0x3e};
                    int reg = dataReg(r);
                    Rm o = rm(r, c, reg, 32, true, false);
                    s.add("seg:mov " + R32[reg] + "," + o.text, 0, 0, concat(new int[] {seg[r.nextInt(4)]}, new int[] {0x8b}, o.bytes));
                    break;
                }
                default: { // movs with a segment override on the source
                    if (k != 0) {
                        break; // ESI/EDI must still hold their initial pointers
                    }
                    c.regs[6] = TestCase.DATA_ADDR + 0x40 + r.nextInt(0x20);
                    c.regs[7] = TestCase.DATA_ADDR + 0x80 + r.nextInt(0x20);
                    s.add("cs: movsd", 0, 0, 0x2e, 0xa5);
                    return s.finish();
                }
            }
        }
        return s.finish();
    }
}
