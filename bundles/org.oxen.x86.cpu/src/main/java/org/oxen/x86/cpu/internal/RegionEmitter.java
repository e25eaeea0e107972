package org.oxen.x86.cpu.internal;

import static org.objectweb.asm.Opcodes.*;
import static org.oxen.x86.cpu.internal.CpuState.SS;

import org.objectweb.asm.MethodVisitor;

/**
 * The building blocks of translated code (see {@link RegionCompiler}): the local-variable layout
 * of {@code Region.run(Cached c, int budget)}, guest registers in locals (8/16/32-bit views),
 * memory operands through the CPU's segment/TLB methods, the 32-bit stack, fault points, and
 * moving registers and lazy flags between the locals and the CPU object.
 */
abstract class RegionEmitter {

    static final String CPU = "org/oxen/x86/cpu/internal/Cached";
    static final String REGION = "org/oxen/x86/cpu/internal/Region";
    static final String FLAGS = "org/oxen/x86/cpu/internal/Flags";
    static final String FAULT = "org/oxen/x86/cpu/internal/Fault";
    static final String RUN_DESC = "(L" + CPU + ";I)I";

    // locals of run(Cached c, int budget)
    static final int THIS = 0, C = 1, BUDGET = 2, ARR = 3, PB = 4, CBASE = 5, CNT = 6, FIX = 7, FPC = 8,
            R0 = 9, FOP = 17, FSZ = 18, FA = 19, FB = 20, FRES = 21, FCF = 22, NEXT = 23,
            T0 = 24, T1 = 25, T2 = 26, T3 = 27, T4 = 28, T5 = 29, LT = 30, EXC = 32, VER = 33;
    static final String[] FLAG_FIELDS = {"lop", "lsz", "la", "lb", "lres", "lcf"};

    final MethodVisitor mv;
    /** Registers the region assigns anywhere (written back at exits). */
    int written;
    /** The instruction index FIX/FPC currently name in this block (-1: none yet). */
    int fixSet;

    RegionEmitter(MethodVisitor mv) {
        this.mv = mv;
    }

    /** Pushes op, sz, a, b, res, cf, eflags (the Flags functions' common tail). */
    final void flagArgs() {
        for (int l = FOP; l <= FCF; l++) mv.visitVarInsn(ILOAD, l);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "eflags", "I");
    }

    // ---- memory and stack ----

    /** Pushes the effective offset of a decoded memory operand. */
    final void addr(int eaw, int disp) {
        int base = (eaw >>> 4) & 7, idx = (eaw >>> 8) & 7, scale = (eaw >>> 12) & 3;
        switch (eaw & 3) {
            case 0:
                iconst(disp);
                return;
            case 1:
                mv.visitVarInsn(ILOAD, R0 + base);
                break;
            case 2:
                mv.visitVarInsn(ILOAD, R0 + base);
                index(idx, scale);
                mv.visitInsn(IADD);
                break;
            default:
                index(idx, scale);
                break;
        }
        if (disp != 0) {
            iconst(disp);
            mv.visitInsn(IADD);
        }
    }

    final void index(int idx, int scale) {
        mv.visitVarInsn(ILOAD, R0 + idx);
        if (scale != 0) {
            iconst(scale);
            mv.visitInsn(ISHL);
        }
    }

    /** Pushes c, seg, offset for a following read/write call. */
    final void memOperand(int seg, int eaw, int disp) {
        mv.visitVarInsn(ALOAD, C);
        iconst(seg);
        addr(eaw, disp);
    }

    final void read(int sz, int seg, int eaw, int disp) {
        memOperand(seg, eaw, disp);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, sz == 0 ? "rd8" : sz == 1 ? "rd16" : "rd32", "(II)I", false);
    }

    final void readAt(int sz, int seg, int offLocal) {
        mv.visitVarInsn(ALOAD, C);
        iconst(seg);
        mv.visitVarInsn(ILOAD, offLocal);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, sz == 0 ? "rd8" : sz == 1 ? "rd16" : "rd32", "(II)I", false);
    }

    /** Stack: c, seg, offset, value. */
    final void write(int sz) {
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, sz == 0 ? "wr8" : sz == 1 ? "wr16" : "wr32", "(III)V", false);
    }

    /** Writes the value on the stack at seg:offLocal. */
    final void writeAt(int sz, int seg, int offLocal) {
        mv.visitVarInsn(ISTORE, T5);
        mv.visitVarInsn(ALOAD, C);
        iconst(seg);
        mv.visitVarInsn(ILOAD, offLocal);
        mv.visitVarInsn(ILOAD, T5);
        write(sz);
    }

    /** PUSH of local {@code v} on the 32-bit stack: the store, then ESP. */
    final void push(int v) {
        mv.visitVarInsn(ALOAD, C);
        iconst(SS);
        mv.visitVarInsn(ILOAD, R0 + 4);
        iconst(4);
        mv.visitInsn(ISUB);
        mv.visitVarInsn(ILOAD, v);
        write(2);
        mv.visitIincInsn(R0 + 4, -4);
        written |= 1 << 4;
    }

    /** Instruction {@code i} of the block, at frame offset {@code k}, may fault from here on. */
    final void faultPoint(int i, int k) {
        if (fixSet == i) return;
        iconst(i);
        mv.visitVarInsn(ISTORE, FIX);
        iconst(k);
        mv.visitVarInsn(ISTORE, FPC);
        fixSet = i;
    }

    // ---- registers ----

    final void setReg(int n) {
        mv.visitVarInsn(ISTORE, R0 + n);
        written |= 1 << n;
    }

    final void regSz(int n, int sz) {
        if (sz == 2) {
            mv.visitVarInsn(ILOAD, R0 + n);
        } else if (sz == 1) {
            mv.visitVarInsn(ILOAD, R0 + n);
            iconst(0xFFFF);
            mv.visitInsn(IAND);
        } else {
            mv.visitVarInsn(ILOAD, R0 + (n & 3));
            if (n >= 4) {
                iconst(8);
                mv.visitInsn(IUSHR);
            }
            iconst(0xFF);
            mv.visitInsn(IAND);
        }
    }

    /** Stores the value on the stack into register n of size sz (8-bit: AL..BH). */
    final void setRegSz(int n, int sz) {
        if (sz == 2) {
            setReg(n);
            return;
        }
        int r = sz == 0 ? n & 3 : n;
        int shift = sz == 0 && n >= 4 ? 8 : 0;
        int m = (sz == 0 ? 0xFF : 0xFFFF) << shift;
        if (shift != 0) {
            iconst(shift);
            mv.visitInsn(ISHL);
        }
        iconst(m);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ILOAD, R0 + r);
        iconst(~m);
        mv.visitInsn(IAND);
        mv.visitInsn(IOR);
        setReg(r);
    }

    final void fillRegs() {
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "r", "[I");
        for (int n = 0; n < 8; n++) {
            mv.visitInsn(DUP);
            iconst(n);
            mv.visitInsn(IALOAD);
            mv.visitVarInsn(ISTORE, R0 + n);
        }
        mv.visitInsn(POP);
    }

    final void spillRegs(int mask) {
        if (mask == 0) return;
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "r", "[I");
        for (int n = 0; n < 8; n++) {
            if ((mask & (1 << n)) == 0) continue;
            mv.visitInsn(DUP);
            iconst(n);
            mv.visitVarInsn(ILOAD, R0 + n);
            mv.visitInsn(IASTORE);
        }
        mv.visitInsn(POP);
    }

    final void fillFlags() {
        for (int f = 0; f < 6; f++) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitFieldInsn(GETFIELD, CPU, FLAG_FIELDS[f], "I");
            mv.visitVarInsn(ISTORE, FOP + f);
        }
    }

    final void spillFlags() {
        for (int f = 0; f < 6; f++) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitVarInsn(ILOAD, FOP + f);
            mv.visitFieldInsn(PUTFIELD, CPU, FLAG_FIELDS[f], "I");
        }
    }

    final void iconst(int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }
}
