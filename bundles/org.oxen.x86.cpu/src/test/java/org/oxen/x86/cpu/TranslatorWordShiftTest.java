package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 16-bit shifts and rotates (66 with C1, D1 and D3, register and memory) and 8-bit shifts by a
 * constant, which the decoded-instruction cache makes records of and the translator compiles
 * inline (by a constant) or through the record executor (by CL, memory): with counts 0, 1, 15,
 * 16 and 31 (masked to 5 bits, as the SDM has it for every size) and the flags each leaves, a
 * loop of each operation stays in one region and ends as the interpreter alone ends it; a few
 * results are checked against the SDM's.
 */
class TranslatorWordShiftTest {

    private static final int[] COUNTS = {0, 1, 15, 16, 31};

    /**
     * A loop of {@code op} on AX by each count (after a CMP whose flags a count of 0 keeps),
     * each result's ZF, SF, OF, PF and CF folded into EDI; then by CL (17), on a word in memory,
     * and an 8-bit form: registers, flags, memory and the retired count equal the interpreter's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"shl", "shr", "sar", "rol", "ror"})
    void eachCountMatchesTheInterpreterInOneRegion(String op) {
        StringBuilder sb = new StringBuilder("mov ebp, 40\n mov edx, 0x12348001\n xor edi, edi\n mov esi, 0x55aa\n"
                + "top: add edx, 0x9E3779B9\n");
        for (int count : COUNTS) {
            sb.append(" mov eax, edx\n cmp esi, edx\n ").append(op).append(" ax, ").append(count).append('\n')
                    .append(" setz bl\n sets bh\n seto cl\n setp ch\n adc edi, eax\n add edi, ebx\n xor edi, ecx\n");
        }
        sb.append(" mov ecx, 17\n mov eax, edx\n ").append(op).append(" ax, cl\n adc edi, eax\n")
                .append(" mov [0x30000], edx\n ").append(op).append(" word ptr [0x30002], 1\n adc edi, [0x30000]\n")
                .append(" mov eax, edx\n ").append(op).append(" ah, 3\n adc edi, eax\n")
                .append(" dec ebp\n jnz top\n hlt");
        int[][] out = TranslatorMoffsTest.inOneRegion(sb.toString(), t -> { });
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }

    /**
     * What the SDM gives for 0xABCD8001 in EAX: SHR AX,1 = 0x4000 (CF 1, OF the operand's sign
     * 1), SHL AX,16 = 0 (CF the last bit out, bit 0: 1), SAR AX,31 = 0xFFFF (CF 1), ROL AX,16
     * = AX (a count of 16 rotates a word fully round; CF = bit 0 = 1), SHR AX,15 = 1 (CF = bit
     * 14 = 0), SHL AL,3 = 8 (CF 0), and a count of 0 changes nothing, flags included (CMP 1,2's
     * borrow); EAX's other bytes stay. OF, which the SDM leaves undefined for counts above 1, is
     * oxen's rule for every count ({@code Semantics}: SHL/ROL CF xor the result's sign, SHR the
     * operand's sign, SAR 0). The result with its CF and OF is stored by a loop the translator
     * runs in one region.
     */
    @ParameterizedTest
    @CsvSource({"shr ax 1, 0xABCD4000, 1, 1", "shl ax 16, 0xABCD0000, 1, 1", "sar ax 31, 0xABCDFFFF, 1, 0",
        "rol ax 16, 0xABCD8001, 1, 0", "shr ax 15, 0xABCD0001, 0, 1", "shl al 3, 0xABCD8008, 0, 0",
        "shr ax 0, 0xABCD8001, 1, 0"})
    void wordResultsAndFlagsAreTheSdms(String insn, String result, int cf, int of) {
        String op = insn.replaceFirst(" (\\d+)$", ", $1");
        String src = "mov ebp, 30\n mov esi, 1\n top: mov eax, 0xABCD8001\n cmp esi, 2\n " + op
                + "\n mov [0x30000], eax\n setc byte ptr [0x30004]\n seto byte ptr [0x30005]\n dec ebp\n jnz top\n hlt";
        int[][] out = TranslatorMoffsTest.inOneRegion(src, t -> { });
        int[] s = out[1];
        assertEquals(Integer.parseUnsignedInt(result.substring(2), 16), s[12 + 0x80], op + ": result");
        assertEquals(cf, s[12 + 0x81] & 0xFF, op + ": CF");
        assertEquals(of, s[12 + 0x81] >>> 8 & 0xFF, op + ": OF");
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }
}
