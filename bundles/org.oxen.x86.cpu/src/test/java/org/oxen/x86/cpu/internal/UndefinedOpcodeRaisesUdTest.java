package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.ExitReason;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Found by the guest kit's HVM fuzzer (issue 22: {@code fuzz --hvm}, hvmfuzz seed 31, 400 ops,
 * after its hypercalls had written over its own code): an opcode the table leaves undefined
 * (form 0, handler H_UD) reached the interpreter's arithmetic group, which has no case for it,
 * and the CPU threw "form 0 (null) has no handler 0 in its dispatch group 0": a hypervisor
 * internal error that crashed the domain, where the SDM (and Xen on hardware) give the guest
 * #UD. Form 0 was never put through the table's row(), so its dispatch group was 0 (arithmetic)
 * instead of dispatchGroup(H_UD). Every undefined one-byte, 0F and group encoding must raise #UD
 * (vector 6, no error code) at the instruction, nothing done.
 */
class UndefinedOpcodeRaisesUdTest {
    static final int CODE = 0x1000;
    final Ram ram = new Ram(1 << 20);
    final X86Cpu cpu = CpuTestSupport.flat32(ram, 0);

    @Test
    void everyUndefinedEncodingRaisesUdAtTheInstruction() {
        List<byte[]> undefined = new ArrayList<>();
        for (int op = 0; op < 256; op++) {
            for (int reg = 0; reg < 8; reg++) {
                int modrm = 0xC0 | reg << 3;
                if (!Forms.PREFIX[op] && op != 0x0F && Forms.oneByte(op, modrm) == 0) {
                    undefined.add(new byte[] { (byte) op, (byte) modrm });
                }
                if (Forms.twoByte(op, modrm) == 0) undefined.add(new byte[] { 0x0F, (byte) op, (byte) modrm });
            }
        }
        assertTrue(undefined.size() > 20, "the table leaves encodings undefined: " + undefined.size());
        for (byte[] insn : undefined) {
            String what = hex(insn);
            byte[] code = new byte[insn.length + 1];
            System.arraycopy(insn, 0, code, 0, insn.length);
            code[insn.length] = (byte) 0xF4; // hlt
            ram.load(CODE, code, 0, code.length);
            for (int i = 0; i < 8; i++) cpu.setGpr(i, i == 4 ? 0x80000 : 0x1234);
            cpu.setEip(CODE);
            assertEquals(RunResult.EXIT, CpuTestSupport.runUntilHlt(cpu, 10), what);
            assertEquals(ExitReason.EXCEPTION, cpu.lastExit().reason(), what);
            assertEquals(6, cpu.lastExit().vector(), what);
            assertEquals(-1, cpu.lastExit().errorCode(), what);
            assertEquals(CODE, cpu.eip(), what);
            assertEquals(0x1234, cpu.gpr(X86Cpu.EAX), what);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x ", x & 0xFF));
        return s.toString().trim();
    }
}
