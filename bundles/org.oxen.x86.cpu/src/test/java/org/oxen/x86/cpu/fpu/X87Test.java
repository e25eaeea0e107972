package org.oxen.x86.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Unit tests of the x87 unit on its own: the precision it gives (true 80-bit extended, with
 * precision control), rounding control, state images and exception bookkeeping. The bit-exact
 * comparison against real hardware is the differential test (diff.X87DiffTest, diff.CpuDiffTest).
 */
class X87Test {
    private X87 x;
    private ByteHost h;

    @BeforeEach
    void setUp() {
        x = new X87();
        h = new ByteHost();
    }

    private void exec(int op, int modrm) {
        x.execute(op, modrm, 3, 0, h);
    }

    private void mem(int op, int reg, int offset) {
        x.execute(op, reg << 3 | 0x05, 3, offset, h); // any mod != 3 form; the offset is given
    }

    private int st0Se() {
        return x.getRegisterSignExponent(x.getTop());
    }

    private long st0M() {
        return x.getRegisterSignificand(x.getTop());
    }

    private void loadInt32(int v) {
        h.write32(3, 0x100, v);
        mem(0xdb, 0, 0x100); // FILD m32
    }

    private void setPcRc(int pc, int rc) {
        x.setControlWord(0x037f & ~0x0f00 | pc << 8 | rc << 10);
    }

    @Test
    void oneThirdAtEachPrecision() {
        // 64-bit significand (PC=11): 1/3 = 0.AAAA...AB (round to nearest)
        setPcRc(3, 0);
        loadInt32(1);
        loadInt32(3);
        exec(0xde, 0xf9); // FDIVP st1,st0 -> st0 = 1/3
        assertEquals(0x3ffd, st0Se());
        assertEquals(0xaaaaaaaaaaaaaaabL, st0M());
        // 53 bits (PC=10): the double 1/3, still in the extended register
        x.reset();
        setPcRc(2, 0);
        loadInt32(1);
        loadInt32(3);
        exec(0xde, 0xf9);
        assertEquals(0xaaaaaaaaaaaaa800L, st0M());
        long dbl = Double.doubleToRawLongBits(1.0 / 3.0);
        assertEquals(0x8000000000000000L | (dbl & 0xfffffffffffffL) << 11, st0M());
        // 24 bits (PC=00)
        x.reset();
        setPcRc(0, 0);
        loadInt32(1);
        loadInt32(3);
        exec(0xde, 0xf9);
        assertEquals(0xaaaaab0000000000L, st0M());
        assertTrue((x.getStatusWord() & 0x20) != 0, "PE");
        assertTrue((x.getStatusWord() & 0x200) != 0, "C1: rounded up");
    }

    @Test
    void roundingControlDirections() {
        int[] rcs = {0, 1, 2, 3};
        long[] expect = {0xaaaaaaaaaaaaaaabL, 0xaaaaaaaaaaaaaaaaL, 0xaaaaaaaaaaaaaaabL, 0xaaaaaaaaaaaaaaaaL};
        for (int i = 0; i < 4; i++) {
            x.reset();
            setPcRc(3, rcs[i]);
            loadInt32(2);
            loadInt32(3);
            exec(0xde, 0xf9); // 2/3
            assertEquals(0x3ffe, st0Se(), "rc " + i);
            assertEquals(expect[i], st0M(), "rc " + i);
        }
    }

    @Test
    void sqrtIsCorrectlyRoundedExtended() {
        loadInt32(2);
        exec(0xd9, 0xfa); // FSQRT
        assertEquals(0x3fff, st0Se());
        assertEquals(0xb504f333f9de6484L, st0M()); // sqrt(2) rounded to 64 bits
    }

    @Test
    void fninitState() {
        loadInt32(5);
        exec(0xdb, 0xe3); // FNINIT
        assertEquals(0x037f, x.getControlWord());
        assertEquals(0, x.getStatusWord());
        assertEquals(0xffff, x.getTagWord());
    }

    @Test
    void constantsFollowRoundingControl() {
        exec(0xd9, 0xeb); // FLDPI, nearest
        assertEquals(0xc90fdaa22168c235L, st0M());
        x.reset();
        setPcRc(3, 1);
        exec(0xd9, 0xeb); // down
        assertEquals(0xc90fdaa22168c234L, st0M());
    }

    @Test
    void storeDoubleAndIntegerConversions() {
        setPcRc(3, 0);
        loadInt32(7);
        loadInt32(2);
        exec(0xde, 0xf9); // 3.5
        mem(0xdd, 2, 0x200); // FST m64
        assertEquals(Double.doubleToRawLongBits(3.5), h.read64(3, 0x200));
        mem(0xdb, 2, 0x210); // FIST m32: nearest-even -> 4
        assertEquals(4, h.read32(3, 0x210));
        setPcRc(3, 3);
        mem(0xdb, 2, 0x214); // chop -> 3
        assertEquals(3, h.read32(3, 0x214));
        // out of range: integer indefinite with IE (masked)
        h.write64(3, 0x300, Double.doubleToRawLongBits(1e20));
        mem(0xdd, 0, 0x300);
        mem(0xdb, 3, 0x218); // FISTP m32
        assertEquals(0x80000000, h.read32(3, 0x218));
        assertTrue((x.getStatusWord() & 1) != 0);
    }

    @Test
    void stackOverflowGivesIndefiniteAndFlags() {
        for (int i = 0; i < 9; i++) {
            exec(0xd9, 0xe8); // FLD1 x9
        }
        int sw = x.getStatusWord();
        assertEquals(0x41, sw & 0x41, "IE and SF");
        assertTrue((sw & 0x200) != 0, "C1 = overflow");
        assertEquals(0xffff, st0Se());
        assertEquals(0xc000000000000000L, st0M());
    }

    @Test
    void unmaskedZeroDivideIsPendingAndLeavesTheStack() {
        x.setControlWord(0x037f & ~0x04); // unmask ZE
        loadInt32(1);
        loadInt32(0);
        int top = x.getTop();
        exec(0xde, 0xf9); // FDIVP: 1/0 with ZE unmasked -> aborted
        assertTrue(x.hasPendingUnmaskedException());
        assertEquals(top, x.getTop(), "no pop on an aborted instruction");
        assertEquals(0x8084, x.getStatusWord() & 0x80ff);
        exec(0xdb, 0xe2); // FNCLEX
        assertFalse(x.hasPendingUnmaskedException());
        assertTrue(X87.isNoWait(0xdb, 0xe2));
        assertFalse(X87.isNoWait(0xde, 0xf9));
    }

    @Test
    void fcomiSetsEflagsAndFnstswAx() {
        loadInt32(1);
        loadInt32(2);
        exec(0xdb, 0xf1); // FCOMI st0(2), st1(1): greater
        assertEquals(0, h.eflags & 0x45);
        exec(0xd9, 0xc9); // FXCH
        exec(0xdb, 0xf1); // 1 < 2
        assertEquals(1, h.eflags & 0x45);
        exec(0xd8, 0xd1); // FCOM st1
        exec(0xdf, 0xe0); // FNSTSW AX
        assertEquals(0x0100, h.ax & 0x4500, "C0 = less");
    }

    @Test
    void fsaveFrstorRoundTripProtected32() {
        setPcRc(2, 1);
        loadInt32(-12345);
        exec(0xd9, 0xeb);
        x.setLastInstruction(0x1b, 0x1234, 0x23, 0x5678, 0x5eb);
        int cw = x.getControlWord(), sw = x.getStatusWord(), tw = x.getTagWord();
        mem(0xdd, 6, 0x400); // FNSAVE
        assertEquals(cw, h.read16(3, 0x400));
        assertEquals(sw, h.read16(3, 0x404));
        assertEquals(tw, h.read16(3, 0x408));
        assertEquals(0x1234, h.read32(3, 0x40c));
        assertEquals(0x1b | 0x5eb << 16, h.read32(3, 0x410));
        assertEquals(0x5678, h.read32(3, 0x414));
        assertEquals(0xc90fdaa22168c234L, h.read64(3, 0x400 + 28)); // ST0 = pi (rounded down)
        assertEquals(0xffff, x.getTagWord(), "FNSAVE re-initializes");
        mem(0xdd, 4, 0x400); // FRSTOR
        assertEquals(cw, x.getControlWord());
        assertEquals(sw, x.getStatusWord());
        assertEquals(tw, x.getTagWord());
        assertEquals(0xc90fdaa22168c234L, st0M());
    }

    @Test
    void fstenvReal16LayoutAndMasking() {
        h.o32 = false;
        h.pm = false;
        x.setControlWord(0x0360);
        x.setLastInstruction(0, 0x12345, 0, 0x6789a, 0x123);
        mem(0xd9, 6, 0x500); // FNSTENV (14 bytes)
        assertEquals(0x0360 | 0x40, h.read16(3, 0x500));
        assertEquals(0x2345, h.read16(3, 0x506));
        assertEquals(0x1000 | 0x123, h.read16(3, 0x508));
        assertEquals(0x789a, h.read16(3, 0x50a));
        assertEquals(0x6000, h.read16(3, 0x50c));
        assertEquals(0x037f, x.getControlWord(), "FSTENV masks all exceptions");
        x.setControlWord(0x0300);
        mem(0xd9, 4, 0x500); // FLDENV
        assertEquals(0x0360 | 0x40, x.getControlWord());
        assertEquals(0x12345, x.getFpuInstructionPointer());
        assertEquals(0x6789a, x.getFpuDataPointer());
    }

    @Test
    void fxsaveFxrstorLayout() {
        loadInt32(3);
        exec(0xd9, 0xee); // FLDZ
        x.fxsave(3, 0x600, h);
        assertEquals(0x037f, h.read16(3, 0x600));
        assertEquals(6 << 11, h.read16(3, 0x602));
        assertEquals(0xc0, h.read8(3, 0x604), "abridged tag: physical 6 and 7");
        assertEquals(0x1f80, h.read32(3, 0x618));
        assertEquals(0, h.read64(3, 0x620)); // ST0 = +0
        assertEquals(0xc000000000000000L, h.read64(3, 0x630)); // ST1 = 3
        assertEquals(0x4000, h.read16(3, 0x638));
        X87 y = new X87();
        y.fxrstor(3, 0x600, h);
        assertEquals(x.getStatusWord(), y.getStatusWord());
        assertEquals(x.getTagWord(), y.getTagWord());
        assertEquals(0x4000, y.getRegisterSignExponent((y.getTop() + 1) & 7));
    }

    @Test
    void bcdLoadStoreRoundTrip() {
        h.write64(3, 0x700, 0x0000001234567890L);
        h.write16(3, 0x708, 0x8000);
        mem(0xdf, 4, 0x700); // FBLD -1234567890
        mem(0xdf, 6, 0x710); // FBSTP
        assertEquals(0x0000001234567890L, h.read64(3, 0x710));
        assertEquals(0x8000, h.read16(3, 0x718));
    }

    @Test
    void undefinedEncodingsAreTheOnlyOnesRejected() {
        StringBuilder ud = new StringBuilder();
        for (int op = 0xd8; op <= 0xdf; op++) {
            for (int modrm = 0; modrm < 256; modrm++) {
                x.reset();
                loadInt32(3);
                loadInt32(-7);
                try {
                    x.execute(op, modrm, 3, 0x800, h);
                } catch (UnsupportedOperationException e) {
                    if (modrm >= 0xc0 || (modrm & 0xc7) == 0x05) {
                        ud.append(String.format(" %02x%02x", op, modrm));
                    }
                }
            }
        }
        StringBuilder expect = new StringBuilder(" d90d d9d1 d9d2 d9d3 d9d4 d9d5 d9d6 d9d7 d9e2 d9e3 d9e6 d9e7 d9ef");
        for (int m = 0xe0; m < 0x100; m++) {
            if (m != 0xe9) {
                expect.append(String.format(" da%02x", m)); // only FUCOMPP in DA E0-FF
            }
        }
        expect.append(" db25 db35 dbe5 dbe6 dbe7 dbf8 dbf9 dbfa dbfb dbfc dbfd dbfe dbff"
                + " dd2d ddf0 ddf1 ddf2 ddf3 ddf4 ddf5 ddf6 ddf7 ddf8 ddf9 ddfa ddfb ddfc ddfd ddfe ddff"
                + " ded8 deda dedb dedc dedd dede dedf dfe1 dfe2 dfe3 dfe4 dfe5 dfe6 dfe7"
                + " dff8 dff9 dffa dffb dffc dffd dffe dfff");
        assertEquals(expect.toString(), ud.toString());
    }

    @Test
    void fsaveFrstorKeepPointersInAllFourLayouts() {
        for (int layout = 0; layout < 4; layout++) {
            x.reset();
            h.o32 = (layout & 1) != 0;
            h.pm = (layout & 2) != 0;
            loadInt32(42);
            x.setLastInstruction(0x1b, h.pm ? 0x12345678 : 0x9abcd, 0x23, h.pm ? 0x0fedcba9 : 0x54321, 0x2a5);
            mem(0xdd, 6, 0x800); // FNSAVE
            X87 y = new X87();
            y.execute(0xdd, 0x25, 3, 0x800, h); // FRSTOR
            String what = "layout o32=" + h.o32 + " pm=" + h.pm;
            assertEquals(0xffff, x.getTagWord(), what); // FNSAVE re-initialized x
            int ipMask = h.pm ? (h.o32 ? -1 : 0xffff) : (h.o32 ? -1 : 0xfffff);
            assertEquals((h.pm ? 0x12345678 : 0x9abcd) & ipMask, y.getFpuInstructionPointer(), what);
            assertEquals((h.pm ? 0x0fedcba9 : 0x54321) & ipMask, y.getFpuDataPointer(), what);
            if (!h.pm || h.o32) {
                assertEquals(0x2a5, y.getFpuOpcode(), what);
            }
            assertEquals(0xa800000000000000L, y.getRegisterSignificand(y.getTop()), what);
        }
    }

    @Test
    void powerOnStateDiffersFromFninit() {
        x.powerOn();
        assertEquals(0x0040, x.getControlWord());
        assertEquals(0, x.getStatusWord());
        assertEquals(0x5555, x.getTagWord());
    }
}
