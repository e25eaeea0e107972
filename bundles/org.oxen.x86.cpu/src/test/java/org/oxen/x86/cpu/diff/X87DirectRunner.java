package org.oxen.x86.cpu.diff;

import org.oxen.x86.cpu.fpu.FpuHost;
import org.oxen.x86.cpu.fpu.X87;

/**
 * Runs an x87-only test case straight through {@link X87#execute}, with a tiny FpuHost over the
 * case's memory buffer: the FPU-only differential test, independent of the integer core.
 * Understands exactly the encodings X87Generator emits (ESC + ModR/M, [ebx] or [ebx+disp8]).
 */
final class X87DirectRunner implements FpuHost {
    private final X87 x87 = new X87();
    private byte[] mem;
    private final int[] regs = new int[8];
    private int eflags;

    Result run(TestCase c) {
        Result res = new Result();
        mem = c.mem.clone();
        System.arraycopy(c.regs, 0, regs, 0, 8);
        eflags = c.eflags;
        x87.reset();
        x87.setControlWord(c.fcw);
        x87.setStatusWord(c.fsw);
        int top = (c.fsw >> 11) & 7;
        for (int i = 0; i < 8; i++) {
            x87.setRegister((top + i) & 7, c.stSe[i], c.stM[i]);
        }
        x87.setAbridgedTag(c.ftw);
        x87.setControlWord(c.fcw); // recompute ES from the loaded status
        int pc = 0;
        byte[] code = c.code;
        res.eipOffset = code.length;
        while (pc < code.length) {
            o32 = true;
            if ((code[pc] & 0xff) == 0x66) {
                o32 = false;
                pc++;
            }
            int op = code[pc] & 0xff;
            int modrm = code[pc + 1] & 0xff;
            int len = 2;
            int offset = 0;
            int mod = modrm >> 6;
            if (mod != 3) {
                if (mod == 0 && (modrm & 7) == 5) { // [disp32]
                    offset = (code[pc + 2] & 0xff) | (code[pc + 3] & 0xff) << 8 | (code[pc + 4] & 0xff) << 16 | code[pc + 5] << 24;
                    len = 6;
                } else {
                    offset = regs[modrm & 7];
                    if (mod == 1) {
                        offset += code[pc + 2];
                        len = 3;
                    }
                }
            }
            if (!X87.isNoWait(op, modrm) && x87.hasPendingUnmaskedException()) {
                res.vector = 16;
                res.eipOffset = o32 ? pc : pc - 1;
                break;
            }
            x87.execute(op, modrm, 3, offset, this);
            pc += len;
        }
        System.arraycopy(regs, 0, res.regs, 0, 8);
        res.eflags = eflags;
        res.mem = mem;
        res.fcw = x87.getControlWord();
        res.fsw = x87.getStatusWord();
        res.ftw = x87.getAbridgedTag();
        int t = x87.getTop();
        for (int i = 0; i < 8; i++) {
            res.stSe[i] = x87.getRegisterSignExponent((t + i) & 7);
            res.stM[i] = x87.getRegisterSignificand((t + i) & 7);
        }
        return res;
    }

    private int index(int offset, int size) {
        int i = offset - TestCase.DATA_ADDR;
        if (i < 0 || i + size > TestCase.MEM_SIZE) {
            throw new IllegalStateException("x87 direct runner: access outside the buffer at " + Integer.toHexString(offset));
        }
        return i;
    }

    @Override
    public int read8(int seg, int offset) {
        return mem[index(offset, 1)] & 0xff;
    }

    @Override
    public int read16(int seg, int offset) {
        int i = index(offset, 2);
        return (mem[i] & 0xff) | (mem[i + 1] & 0xff) << 8;
    }

    @Override
    public int read32(int seg, int offset) {
        return read16(seg, offset) | read16(seg, offset + 2) << 16;
    }

    @Override
    public long read64(int seg, int offset) {
        return (read32(seg, offset) & 0xffffffffL) | (long) read32(seg, offset + 4) << 32;
    }

    @Override
    public void write8(int seg, int offset, int v) {
        mem[index(offset, 1)] = (byte) v;
    }

    @Override
    public void write16(int seg, int offset, int v) {
        int i = index(offset, 2);
        mem[i] = (byte) v;
        mem[i + 1] = (byte) (v >>> 8);
    }

    @Override
    public void write32(int seg, int offset, int v) {
        write16(seg, offset, v);
        write16(seg, offset + 2, v >>> 16);
    }

    @Override
    public void write64(int seg, int offset, long v) {
        write32(seg, offset, (int) v);
        write32(seg, offset + 4, (int) (v >>> 32));
    }

    @Override
    public void setAx(int value16) {
        regs[0] = (regs[0] & 0xffff0000) | (value16 & 0xffff);
    }

    @Override
    public void setFlagsFromFcomi(int zf, int pf, int cf) {
        eflags = (eflags & ~0x8d5) | (zf != 0 ? 0x40 : 0) | (pf != 0 ? 4 : 0) | (cf != 0 ? 1 : 0);
    }

    @Override
    public int eflags() {
        return eflags;
    }

    private boolean o32 = true;

    @Override
    public boolean operandSize32() {
        return o32;
    }

    @Override
    public boolean protectedMode() {
        return true;
    }
}
