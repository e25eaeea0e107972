package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The flag liveness the native compiler gets with its records ({@link RegionRecords#plan},
 * {@link RegionRecords#nativeRegisterOnly}): its code for rotates, shifts by CL and one-operand
 * MUL/IMUL is inline, so they do not count as reading every flag (the JVM translator's
 * {@link InstructionEmitter#registerOnly} counts ROL/ROR by a constant so, for its record
 * executor); a DIV, which may leave the region before a #DE, still does.
 */
class NativeFlagLivenessTest {

    private static final int AT = 0x100;

    /** The records of {@code code} at frame offset {@link #AT} (the first block's instructions). */
    private static RegionRecords.Block plan(int... code) {
        byte[] frame = new byte[4096];
        for (int i = 0; i < code.length; i++) frame[AT + i] = (byte) code[i];
        return RegionRecords.plan(frame, AT, 64).blocks.get(0);
    }

    /** x86bench's loop: add eax, ecx; xor edx, eax; ROTATE eax; sub edx, ecx; dec ecx; jne; ret. */
    private static RegionRecords.Block loop(int... rotate) {
        int[] code = new int[4 + rotate.length + 6];
        int n = 0;
        code[n++] = 0x01; code[n++] = 0xC8; // add eax, ecx
        code[n++] = 0x31; code[n++] = 0xC2; // xor edx, eax
        for (int b : rotate) code[n++] = b;
        code[n++] = 0x29; code[n++] = 0xCA; // sub edx, ecx
        code[n++] = 0x49; // dec ecx
        code[n++] = 0x75; code[n] = -(n + 1) & 0xFF; n++; // jne to the start
        code[n] = 0xC3; // ret
        return plan(code);
    }

    @Test
    void aRotateOrAShiftByClBetweenTwoFlagWritersLeavesTheFirstOnesFlagsDead() {
        int[][] between = {{0xC1, 0xC0, 0x05} /* rol eax, 5 */, {0xC1, 0xC8, 0x03} /* ror eax, 3 */,
            {0xD3, 0xE0} /* shl eax, cl */, {0xF7, 0xE3} /* mul ebx */, {0xF7, 0xEB} /* imul ebx */};
        for (int[] b : between) {
            RegionRecords.Block block = loop(b);
            assertEquals("xor", block.insns.get(1).name.toLowerCase(), "the planned block");
            assertEquals(0, block.insns.get(1).liveOut, () -> String.format("the flags live after xor before %02x %02x", b[0], b[1]));
        }
    }

    @Test
    void aRotateOrAShiftByClKeepsLiveTheFlagsItMayKeep() {
        // xor edx, eax; rol eax, 5 (keeps ZF) or shl eax, cl (keeps every flag when CL is 0); setz bl: ZF live after the xor
        assertEquals(CpuState.ZF, loop(0xC1, 0xC0, 0x05, 0x0F, 0x94, 0xC3).insns.get(1).liveOut);
        assertEquals(CpuState.ZF, loop(0xD3, 0xE0, 0x0F, 0x94, 0xC3).insns.get(1).liveOut);
    }

    @Test
    void aDivideThatMayLeaveBeforeItKeepsEveryFlagLive() {
        RegionRecords.Block block = loop(0xF7, 0xF3); // div ebx
        assertEquals(CpuState.ARITH, block.insns.get(1).liveOut);
    }
}
