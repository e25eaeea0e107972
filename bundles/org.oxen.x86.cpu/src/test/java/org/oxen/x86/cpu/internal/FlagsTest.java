package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The condition table ({@link Flags#test}) against what it is specialised into: the compare of
 * a 32-bit SUB's operands ({@link Flags#compare32}), the flags a condition reads
 * ({@link Flags#reads}), and {@link Flags#cond} on lazy records of every kind, which computes only
 * those flags.
 */
class FlagsTest {

    private static final int[] EDGES = {0, 1, -1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
        0x80000001, 0xFFFFFFFE};

    private static int value(SplittableRandom rnd) {
        return rnd.nextInt(3) == 0 ? EDGES[rnd.nextInt(EDGES.length)] + rnd.nextInt(-1, 2) : rnd.nextInt();
    }

    private static boolean materialised(int cc, int op, int sz, int a, int b, int res, int cf, int eflags) {
        return Flags.test(cc, Flags.of(op, sz, a, b, res, cf, eflags), Flags.cf(op, sz, a, b, res, cf, eflags),
                Flags.zf(op, sz, res, eflags), Flags.sf(op, sz, res, eflags), Flags.pf(op, res, eflags));
    }

    @Test
    void compareOfASubIsTheConditionOfItsFlags() {
        SplittableRandom rnd = new SplittableRandom(16);
        for (int i = 0; i < 200_000; i++) {
            int a = value(rnd), b = value(rnd), cc = rnd.nextInt(16);
            if (!Flags.byCompare(cc)) continue;
            assertEquals(materialised(cc, CpuState.L_SUB, 2, a, b, a - b, 0, 0), Flags.compare32(cc, a, b),
                    "cc " + cc + " after cmp " + a + ", " + b);
        }
    }

    @Test
    void aConditionReadsOnlyTheFlagsItNames() {
        int[] bits = {CpuState.OF, CpuState.CF, CpuState.ZF, CpuState.SF, CpuState.PF};
        for (int cc = 0; cc < 16; cc++) {
            for (int f = 0; f < 32; f++) {
                boolean[] v = new boolean[5];
                for (int k = 0; k < 5; k++) v[k] = (f >> k & 1) != 0;
                boolean base = Flags.test(cc, v[0], v[1], v[2], v[3], v[4]);
                for (int k = 0; k < 5; k++) {
                    if ((Flags.reads(cc) & bits[k]) != 0) continue;
                    v[k] = !v[k];
                    assertEquals(base, Flags.test(cc, v[0], v[1], v[2], v[3], v[4]), "cc " + cc + " reads flag " + k);
                    v[k] = !v[k];
                }
            }
        }
    }

    @Test
    void condOfEveryRecordKindIsTheConditionOfItsMaterialisedFlags() {
        SplittableRandom rnd = new SplittableRandom(61);
        for (int i = 0; i < 200_000; i++) {
            int op = rnd.nextInt(CpuState.L_SZP + 1), sz = rnd.nextInt(3), cc = rnd.nextInt(16);
            int a = value(rnd), b = value(rnd), cf = op == CpuState.L_SZP ? rnd.nextInt(8) : rnd.nextInt(2);
            int eflags = rnd.nextInt();
            if (op == CpuState.L_INC || op == CpuState.L_DEC) b = 1;
            // the result the record's kind computes (the SUB shortcut compares a and b)
            int res = switch (op) {
                case CpuState.L_ADD, CpuState.L_INC -> a + b;
                case CpuState.L_ADC -> a + b + cf;
                case CpuState.L_SUB, CpuState.L_DEC -> a - b;
                case CpuState.L_SBB -> a - b - cf;
                default -> value(rnd);
            };
            assertEquals(materialised(cc, op, sz, a, b, res, cf, eflags), Flags.cond(cc, op, sz, a, b, res, cf, eflags),
                    "cc " + cc + " of kind " + op + " size " + sz);
        }
    }
}
