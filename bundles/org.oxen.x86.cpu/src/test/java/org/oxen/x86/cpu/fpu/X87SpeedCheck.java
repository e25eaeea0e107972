package org.oxen.x86.cpu.fpu;

/** Manual speed check of X87.execute for common instructions (not a test). */
final class X87SpeedCheck {
    public static void main(String[] args) {
        X87 x = new X87();
        ByteHost h = new ByteHost();
        h.write64(3, 0x100, Double.doubleToRawLongBits(1.0000001));
        int[][] ops = {{0xdd, 0x05, 0x100}, {0xd8, 0xc1}, {0xd8, 0xc9}, {0xd8, 0xf1}, {0xd9, 0xfa}, {0xdd, 0x15, 0x108}, {0xdd, 0xd8}};
        String[] names = {"fld m64", "fadd", "fmul", "fdiv", "fsqrt", "fst m64", "fstp st0"};
        for (int round = 0; round < 5; round++) {
            for (int k = 0; k < ops.length; k++) {
                x.reset();
                x.execute(0xd9, 0xe8, 3, 0, h); // fld1
                x.execute(0xd9, 0xe8, 3, 0, h);
                long t0 = System.nanoTime();
                int n = 1_000_000;
                for (int i = 0; i < n; i++) {
                    if (k == 0 || k == 6) {
                        x.execute(ops[k][0], ops[k][1], 3, ops[k].length > 2 ? ops[k][2] : 0, h);
                        x.execute(0xdd, 0xd8, 3, 0, h); // keep the stack balanced
                    } else {
                        x.execute(ops[k][0], ops[k][1], 3, ops[k].length > 2 ? ops[k][2] : 0, h);
                    }
                }
                if (round == 4) {
                    System.out.println(names[k] + ": " + (System.nanoTime() - t0) / n + " ns");
                }
            }
        }
    }
}
