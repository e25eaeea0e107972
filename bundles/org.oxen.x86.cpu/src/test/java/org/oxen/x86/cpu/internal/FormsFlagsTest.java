package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The table's "flags written" column against the interpreter: every register form of the forms
 * below, run on random registers and random arithmetic flags, changes no arithmetic flag (nor
 * DF) outside the flags its row says it writes. A row that under-states what its instruction
 * writes fails here.
 */
class FormsFlagsTest {

    private static final int CODE = 0x1000;
    private static final int CHECKED = CpuState.ARITH | CpuState.DF;
    /** Handlers whose register forms run anywhere without memory, privilege or control transfer. */
    private static final Set<Integer> HANDLERS = Set.of(Forms.H_ALU_EG, Forms.H_ALU_GE, Forms.H_ALU_AI,
            Forms.H_ALU_EI, Forms.H_INC_Z, Forms.H_DEC_Z, Forms.H_INCDEC_E, Forms.H_IMUL_GEI, Forms.H_IMUL_GE,
            Forms.H_XCHG_EG, Forms.H_XCHG_Z, Forms.H_NOP, Forms.H_MOV_EG, Forms.H_MOV_GE, Forms.H_MOV_ZI,
            Forms.H_MOV_EI, Forms.H_CBW, Forms.H_CWD, Forms.H_SAHF, Forms.H_LAHF, Forms.H_SHIFT, Forms.H_SALC,
            Forms.H_CMC, Forms.H_CLC, Forms.H_STC, Forms.H_CLD, Forms.H_STD, Forms.H_NOT, Forms.H_NEG, Forms.H_MUL,
            Forms.H_DAA, Forms.H_DAS, Forms.H_AAA, Forms.H_AAS, Forms.H_AAM, Forms.H_AAD, Forms.H_CMOV,
            Forms.H_SETCC, Forms.H_BT_EG, Forms.H_BT_EI, Forms.H_SHD, Forms.H_CMPXCHG, Forms.H_MOVX, Forms.H_BSF,
            Forms.H_BSR, Forms.H_XADD, Forms.H_BSWAP);

    @Test
    void formsWriteNoFlagOutsideTheirColumn() {
        Ram ram = new Ram(1 << 20);
        X86Cpu cpu = X86Cpu.create(ram, CpuTestSupport.NO_IO, CpuOptions.INTERPRETER);
        Random rnd = new Random(16);
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (int map = 0; map < 2; map++) {
            for (int op = 0; op < 256; op++) {
                short entry = map == 0 ? Forms.ONE[op] : Forms.TWO[op];
                if (map == 0 && (op == 0x0F || Forms.PREFIX[op])) continue;
                boolean modrm = map == 0 ? Forms.ONE_MODRM[op] : Forms.TWO_MODRM[op];
                for (int reg = 0; reg < (entry < 0 ? 8 : 1); reg++) {
                    int f = entry < 0 ? Forms.group(entry, reg << 3) : entry;
                    if (f == 0 || !HANDLERS.contains(Forms.HANDLER[f])) continue;
                    byte[] code = new byte[16];
                    int n = 0;
                    if (map == 1) code[n++] = 0x0F;
                    code[n++] = (byte) op;
                    if (modrm) code[n++] = (byte) (0xC1 | reg << 3 | (entry < 0 ? 0 : 2 << 3)); // ECX, EDX
                    for (int i = Forms.immediateBytes(f, true, true); i > 0; i--) code[n++] = (byte) (0x05 + rnd.nextInt(20));
                    code[n++] = (byte) 0xF4;
                    for (int trial = 0; trial < 24; trial++) {
                        CpuTestSupport.enterFlat32(cpu, 0);
                        ram.load(CODE, code, 0, n);
                        cpu.invalidateCode(CODE, n);
                        for (int i = 0; i < 8; i++) cpu.setGpr(i, trial % 3 == 0 ? rnd.nextInt(4) : rnd.nextInt());
                        cpu.setGpr(4, 0x80000);
                        int before = 2 | (rnd.nextInt() & CHECKED);
                        cpu.setEflags(before);
                        cpu.setEip(CODE);
                        RunResult rr = CpuTestSupport.runUntilHlt(cpu, 10);
                        if (rr != RunResult.HALTED) {
                            wrong.add(Forms.NAME[f] + " (" + hex(code, n) + "): did not run (" + rr + ")");
                            break;
                        }
                        int changed = (before ^ cpu.eflags()) & CHECKED;
                        int allowed = Forms.FLAGS_WRITTEN[f];
                        if ((changed & ~allowed) != 0) {
                            wrong.add(Forms.NAME[f] + " (" + hex(code, n) + "): changed flags " + Integer.toHexString(changed)
                                    + " outside its column " + Integer.toHexString(allowed));
                            break;
                        }
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 3000, "runs checked: " + checked);
        assertEquals(List.of(), wrong);
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append(String.format("%02x ", b[i]));
        return s.toString().trim();
    }
}
