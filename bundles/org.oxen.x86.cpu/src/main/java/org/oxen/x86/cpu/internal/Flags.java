package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.CpuState.L_ADC;
import static org.oxen.x86.cpu.internal.CpuState.L_ADD;
import static org.oxen.x86.cpu.internal.CpuState.L_DEC;
import static org.oxen.x86.cpu.internal.CpuState.L_INC;
import static org.oxen.x86.cpu.internal.CpuState.L_LOGIC;
import static org.oxen.x86.cpu.internal.CpuState.L_NONE;
import static org.oxen.x86.cpu.internal.CpuState.L_SBB;
import static org.oxen.x86.cpu.internal.CpuState.L_SUB;
import static org.oxen.x86.cpu.internal.CpuState.L_SZP;
import static org.oxen.x86.cpu.internal.CpuState.MASK;
import static org.oxen.x86.cpu.internal.CpuState.SIGN;
import static org.oxen.x86.cpu.internal.CpuState.AF;
import static org.oxen.x86.cpu.internal.CpuState.CF;
import static org.oxen.x86.cpu.internal.CpuState.OF;
import static org.oxen.x86.cpu.internal.CpuState.PF;
import static org.oxen.x86.cpu.internal.CpuState.SF;
import static org.oxen.x86.cpu.internal.CpuState.ZF;

/**
 * The lazy-flag rules as pure functions of an explicit flag state: the last flag-setting
 * operation {@code op} (an {@code L_*} kind), its operand size {@code sz} (0, 1, 2), operands
 * {@code a}, {@code b}, result {@code res} and the extra word {@code cf} (carry-in of ADC/SBB,
 * CF of INC/DEC, CF|OF&lt;&lt;1|AF&lt;&lt;2 of {@code L_SZP}), with {@code eflags} for {@code L_NONE}.
 *
 * <p>The interpreter ({@link Alu}) calls them with its fields; translated code calls them with
 * the JVM locals that hold the same state inside a region. One definition for both.
 */
final class Flags {

    private Flags() {
    }

    static boolean cf(int op, int sz, int a, int b, int res, int cf, int eflags) {
        int m = MASK[sz];
        switch (op) {
            case L_NONE: return (eflags & CF) != 0;
            case L_ADD: return Integer.compareUnsigned(res & m, a & m) < 0;
            case L_ADC: return cf != 0 ? Integer.compareUnsigned(res & m, a & m) <= 0
                    : Integer.compareUnsigned(res & m, a & m) < 0;
            case L_SUB: return Integer.compareUnsigned(a & m, b & m) < 0;
            case L_SBB: return cf != 0 ? Integer.compareUnsigned(a & m, b & m) <= 0
                    : Integer.compareUnsigned(a & m, b & m) < 0;
            case L_LOGIC: return false;
            case L_INC: case L_DEC: return cf != 0;
            default: return (cf & 1) != 0;
        }
    }

    /** CF as 0 or 1 (carry-in of ADC/SBB, CF kept by INC/DEC). */
    static int carry(int op, int sz, int a, int b, int res, int cf, int eflags) {
        return cf(op, sz, a, b, res, cf, eflags) ? 1 : 0;
    }

    static boolean zf(int op, int sz, int res, int eflags) {
        return op == L_NONE ? (eflags & ZF) != 0 : (res & MASK[sz]) == 0;
    }

    static boolean sf(int op, int sz, int res, int eflags) {
        return op == L_NONE ? (eflags & SF) != 0 : (res & SIGN[sz]) != 0;
    }

    static boolean pf(int op, int res, int eflags) {
        return op == L_NONE ? (eflags & PF) != 0 : (Integer.bitCount(res & 0xFF) & 1) == 0;
    }

    static boolean of(int op, int sz, int a, int b, int res, int cf, int eflags) {
        int s = SIGN[sz];
        switch (op) {
            case L_NONE: return (eflags & OF) != 0;
            case L_ADD: case L_ADC: case L_INC: return ((a ^ res) & (b ^ res) & s) != 0;
            case L_SUB: case L_SBB: case L_DEC: return ((a ^ b) & (a ^ res) & s) != 0;
            case L_LOGIC: return false;
            default: return (cf & 2) != 0;
        }
    }

    static boolean af(int op, int a, int b, int res, int cf, int eflags) {
        switch (op) {
            case L_NONE: return (eflags & AF) != 0;
            case L_LOGIC: return false;
            case L_SZP: return (cf & 4) != 0;
            default: return ((a ^ b ^ res) & 0x10) != 0;
        }
    }

    /** Condition {@code cc} (the low nibble of Jcc/SETcc/CMOVcc) of the flag state. */
    static boolean cond(int cc, int op, int sz, int a, int b, int res, int cf, int eflags) {
        if (op == L_SUB && sz == 2) {
            switch (cc) {
                case 2: return Integer.compareUnsigned(a, b) < 0;
                case 3: return Integer.compareUnsigned(a, b) >= 0;
                case 4: return a == b;
                case 5: return a != b;
                case 6: return Integer.compareUnsigned(a, b) <= 0;
                case 7: return Integer.compareUnsigned(a, b) > 0;
                case 0xC: return a < b;
                case 0xD: return a >= b;
                case 0xE: return a <= b;
                case 0xF: return a > b;
                default: break;
            }
        }
        boolean v;
        switch (cc >> 1) {
            case 0: v = of(op, sz, a, b, res, cf, eflags); break;
            case 1: v = cf(op, sz, a, b, res, cf, eflags); break;
            case 2: v = zf(op, sz, res, eflags); break;
            case 3: v = cf(op, sz, a, b, res, cf, eflags) || zf(op, sz, res, eflags); break;
            case 4: v = sf(op, sz, res, eflags); break;
            case 5: v = pf(op, res, eflags); break;
            case 6: v = sf(op, sz, res, eflags) != of(op, sz, a, b, res, cf, eflags); break;
            default: v = zf(op, sz, res, eflags) || sf(op, sz, res, eflags) != of(op, sz, a, b, res, cf, eflags);
                break;
        }
        return (cc & 1) != 0 ? !v : v;
    }
}
