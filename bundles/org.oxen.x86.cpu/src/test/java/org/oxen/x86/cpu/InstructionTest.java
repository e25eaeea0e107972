package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.testkit.Asm;

/** Instruction families in flat 32-bit protected mode at CPL 0; each program ends with HLT. */
class InstructionTest {
    static final int CODE = 0x1000;
    final Ram ram = new Ram(1 << 20);
    final X86Cpu cpu = CpuTestSupport.flat32(ram, 0);

    X86Cpu exec(String src) {
        byte[] code = Asm.asm(CODE, src + "\nhlt\n");
        ram.load(CODE, code, 0, code.length);
        cpu.setEip(CODE);
        cpu.setGpr(X86Cpu.ESP, 0x80000);
        RunResult r = CpuTestSupport.runUntilHlt(cpu, 1_000_000);
        assertEquals(RunResult.HALTED, r, () -> "exit: " + cpu.lastExit());
        return cpu;
    }

    int r(int i) {
        return cpu.gpr(i);
    }

    static final int ARITH = 0x8D5;

    @Test
    void addFlags() {
        exec("mov eax, 0x7fffffff\n add eax, 1\n pushfd\n pop ebx");
        assertEquals(0x80000000, r(0));
        assertEquals(0x894, r(3) & ARITH);
        exec("mov al, 0\n sub al, 1\n pushfd\n pop ebx");
        assertEquals(0xFF, r(0) & 0xFF);
        assertEquals(0x95, r(3) & ARITH);
        exec("mov eax, 5\n cmp eax, 5\n pushfd\n pop ebx");
        assertEquals(0x44, r(3) & ARITH);
        exec("mov al, 0x80\n add al, 0x80\n pushfd\n pop ebx");
        assertEquals(0x845, r(3) & ARITH); // OF ZF PF CF
    }

    @Test
    void adcSbbIncDecNeg() {
        exec("mov eax, 0xffffffff\n mov edx, 0\n add eax, 1\n adc edx, 0");
        assertEquals(0, r(0));
        assertEquals(1, r(2));
        exec("mov eax, 0\n mov edx, 1\n sub eax, 1\n sbb edx, 0");
        assertEquals(-1, r(0));
        assertEquals(0, r(2));
        exec("stc\n mov eax, -1\n inc eax\n setc bl\n setz bh");
        assertEquals(0x0101, r(3) & 0xFFFF);
        exec("clc\n mov eax, 0\n dec eax\n setc bl\n sets bh");
        assertEquals(0x0100, r(3) & 0xFFFF);
        exec("mov eax, 5\n neg eax\n setc bl\n mov ecx, 0\n neg ecx\n setc bh");
        assertEquals(-5, r(0));
        assertEquals(0x0001, r(3) & 0xFFFF);
        exec("stc\n mov eax, 0x7fffffff\n adc eax, 0\n seto bl");
        assertEquals(1, r(3) & 0xFF);
    }

    @Test
    void logicClearsCfOf() {
        exec("stc\n mov eax, 0xf0\n and eax, 0x3c\n pushfd\n pop ebx");
        assertEquals(0x30, r(0));
        assertEquals(0x04, r(3) & 0x8C5);
        exec("mov eax, 0x80000000\n test eax, eax\n sets bl\n setz bh");
        assertEquals(0x0001, r(3) & 0xFFFF);
    }

    @Test
    void shiftsAndRotates() {
        exec("mov eax, 0x80000001\n shl eax, 1\n setc bl\n seto bh");
        assertEquals(2, r(0));
        assertEquals(0x0101, r(3) & 0xFFFF);
        exec("mov eax, 0x80000000\n sar eax, 4");
        assertEquals(0xF8000000, r(0));
        exec("mov eax, 0x81\n shr al, 1\n setc bl\n seto bh");
        assertEquals(0x40, r(0));
        assertEquals(0x0101, r(3) & 0xFFFF);
        exec("mov al, 0x81\n rol al, 1\n setc bl");
        assertEquals(0x03, r(0) & 0xFF);
        assertEquals(1, r(3) & 0xFF);
        exec("mov al, 0x01\n ror al, 1\n setc bl\n seto bh");
        assertEquals(0x80, r(0) & 0xFF);
        assertEquals(0x0101, r(3) & 0xFFFF);
        exec("stc\n mov al, 0x80\n rcl al, 1\n setc bl");
        assertEquals(0x01, r(0) & 0xFF);
        assertEquals(1, r(3) & 0xFF);
        exec("clc\n mov eax, 1\n rcr eax, 1\n setc bl");
        assertEquals(0, r(0));
        assertEquals(1, r(3) & 0xFF);
        exec("mov eax, 0x12345678\n mov cl, 36\n shl eax, cl");
        assertEquals(0x23456780, r(0));
        exec("mov eax, 0x12345678\n mov edx, 0x9abcdef0\n shld eax, edx, 8\n mov ebx, 0x12345678\n shrd ebx, edx, 8");
        assertEquals(0x3456789a, r(0));
        assertEquals(0xf0123456, r(3));
        exec("mov ax, 0x8000\n mov cl, 17\n rcl ax, cl");
    }

    @Test
    void mulDiv() {
        exec("mov eax, 0x10000\n mov ecx, 0x10000\n mul ecx\n setc bl\n seto bh");
        assertEquals(0, r(0));
        assertEquals(1, r(2));
        assertEquals(0x0101, r(3) & 0xFFFF);
        exec("mov eax, -7\n cdq\n mov ecx, 2\n idiv ecx");
        assertEquals(-3, r(0));
        assertEquals(-1, r(2));
        exec("mov eax, 100\n mov edx, 0\n mov ecx, 7\n div ecx");
        assertEquals(14, r(0));
        assertEquals(2, r(2));
        exec("mov ax, 1000\n mov cl, 10\n div cl");
        assertEquals(100, r(0) & 0xFF);
        assertEquals(0, (r(0) >> 8) & 0xFF);
        exec("mov eax, -3\n imul eax, eax, 5\n mov ecx, 7\n imul ecx, eax");
        assertEquals(-15, r(0));
        assertEquals(-105, r(1));
        exec("mov al, -2\n mov cl, 3\n imul cl");
        assertEquals(0xFFFA, r(0) & 0xFFFF);
        exec("mov ax, 0x1234\n mov cx, 0x100\n mul cx");
        assertEquals(0x3400, r(0) & 0xFFFF);
        assertEquals(0x12, r(2) & 0xFFFF);
    }

    @Test
    void divideErrorIsFault() {
        byte[] code = Asm.asm(CODE, "mov ecx, 0\n mov eax, 1\n div ecx\n hlt");
        ram.load(CODE, code, 0, code.length);
        cpu.setEip(CODE);
        assertEquals(RunResult.EXIT, cpu.run(100));
        assertEquals(0, cpu.lastExit().vector());
        assertEquals(CODE + 10, cpu.eip());
        byte[] code2 = Asm.asm(CODE, "mov edx, 1\n mov eax, 0\n mov ecx, 1\n div ecx\n hlt");
        ram.load(CODE, code2, 0, code2.length);
        cpu.setEip(CODE);
        assertEquals(RunResult.EXIT, cpu.run(100));
        assertEquals(0, cpu.lastExit().vector());
        exec("mov eax, 0x80000000\n cdq\n mov ecx, 2\n idiv ecx");
        assertEquals(0xC0000000, r(0));
    }

    @Test
    void bcd() {
        exec("mov al, 0x19\n add al, 0x28\n daa");
        assertEquals(0x47, r(0) & 0xFF);
        exec("mov al, 0x99\n add al, 0x01\n daa\n setc bl");
        assertEquals(0x00, r(0) & 0xFF);
        assertEquals(1, r(3) & 0xFF);
        exec("mov al, 0x47\n sub al, 0x28\n das");
        assertEquals(0x19, r(0) & 0xFF);
        exec("mov ax, 9\n add al, 5\n aaa");
        assertEquals(0x0104, r(0) & 0xFFFF);
        exec("mov ax, 0x0102\n sub al, 5\n aas");
        assertEquals(0x0007, r(0) & 0xFFFF);
        exec("mov al, 47\n aam");
        assertEquals(0x0407, r(0) & 0xFFFF);
        exec("mov ax, 0x0407\n aad");
        assertEquals(47, r(0) & 0xFFFF);
    }

    @Test
    void bitOps() {
        exec("xor eax, eax\n bts eax, 5\n bt eax, 5\n setc bl\n btc eax, 0\n btr eax, 5\n setc bh");
        assertEquals(1, r(0));
        assertEquals(0x0101, r(3) & 0xFFFF);
        exec("mov dword ptr [0x2000], 0\n mov dword ptr [0x2004], 0\n mov ecx, 35\n bts dword ptr [0x2000], ecx\n"
                + "mov ecx, -1\n bts dword ptr [0x2004], ecx\n mov eax, [0x2004]\n mov edx, [0x2000]");
        assertEquals(8, r(0));
        assertEquals(0x80000000, r(2));
        exec("mov ecx, 0x00f00000\n bsf eax, ecx\n bsr edx, ecx\n xor ecx, ecx\n mov ebx, 77\n bsf ebx, ecx\n setz cl");
        assertEquals(20, r(0));
        assertEquals(23, r(2));
        assertEquals(77, r(3));
        assertEquals(1, r(1));
    }

    @Test
    void laterAdditions() {
        exec("mov eax, 0x11223344\n bswap eax");
        assertEquals(0x44332211, r(0));
        exec("mov eax, 5\n mov ecx, 7\n xadd ecx, eax");
        assertEquals(7, r(0));
        assertEquals(12, r(1));
        exec("mov dword ptr [0x2000], 10\n mov eax, 10\n mov ecx, 99\n lock cmpxchg [0x2000], ecx\n setz bl\n mov edx, [0x2000]");
        assertEquals(99, r(2));
        assertEquals(1, r(3) & 0xFF);
        exec("mov dword ptr [0x2000], 10\n mov eax, 11\n mov ecx, 99\n cmpxchg [0x2000], ecx\n setz bl");
        assertEquals(10, r(0));
        assertEquals(0, r(3) & 0xFF);
        exec("mov dword ptr [0x2000], 1\n mov dword ptr [0x2004], 2\n mov eax, 1\n mov edx, 2\n mov ebx, 3\n mov ecx, 4\n"
                + "cmpxchg8b [0x2000]\n setz al\n mov esi, [0x2000]\n mov edi, [0x2004]");
        assertEquals(1, r(0) & 0xFF);
        assertEquals(3, r(6));
        assertEquals(4, r(7));
        exec("mov dword ptr [0x2000], 1\n mov dword ptr [0x2004], 2\n xor eax, eax\n xor edx, edx\n cmpxchg8b [0x2000]");
        assertEquals(1, r(0));
        assertEquals(2, r(2));
        exec("mov eax, 1\n mov ecx, 2\n cmp eax, ecx\n cmovl edx, ecx\n cmovg esi, ecx\n mov esi, 0\n cmova esi, ecx\n"
                + "setb bl\n setl bh");
        assertEquals(2, r(2));
        assertEquals(0, r(6));
        assertEquals(0x0101, r(3) & 0xFFFF);
        exec("mov eax, -1\n cmp eax, 1\n setl bl\n setb bh\n seta cl\n setg ch");
        assertEquals(0x0001, r(3) & 0xFFFF);
        assertEquals(0x0001, r(1) & 0xFFFF);
        exec("xor eax, eax\n cpuid");
        assertEquals(0x756e6547, r(3)); // "Genu"
        assertEquals(0x49656e69, r(2)); // "ineI"
        exec("mov eax, 1\n cpuid");
        assertEquals(CpuidModel.PAE, r(2) & CpuidModel.PAE);
        exec("rdtsc\n mov ecx, eax\n rdtsc\n sub eax, ecx");
        assertEquals(1, Integer.signum(r(0)));
    }

    @Test
    void movesAndExtensions() {
        exec("mov ecx, 0xffffff80\n movzx eax, cl\n movsx edx, cl\n movsx esi, cx\n movzx edi, cx");
        assertEquals(0x80, r(0));
        assertEquals(-128, r(2));
        assertEquals(-128, r(6));
        assertEquals(0xff80, r(7));
        exec("mov eax, 0x12345678\n mov ax, 0xabcd\n mov al, 0x11\n mov ah, 0x22\n cwde\n mov ecx, eax\n mov al, -1\n cbw");
        assertEquals(0x2211, r(1));
        assertEquals(0x0000ffff, r(0));
        exec("mov eax, 0x1234\n xchg eax, ecx\n mov ebx, 0x10\n mov byte ptr [0x2010], 0x99\n mov al, 0x10\n mov ebx, 0x2000\n xlatb");
        assertEquals(0x99, r(0) & 0xFF);
        assertEquals(0x1234, r(1));
        exec("lea eax, [ebx+ecx*4+0x10]");
        exec("mov ebx, 0x100\n mov ecx, 3\n lea eax, [ebx+ecx*8-4]");
        assertEquals(0x114, r(0));
        exec("mov ah, 0xd5\n sahf\n lahf\n mov bl, ah");
        assertEquals(0xd7, r(3) & 0xFF);
    }

    @Test
    void stackAndCalls() {
        exec("mov eax, 1\n mov ecx, 2\n pushad\n mov eax, 0\n mov ecx, 0\n popad\n push 0x55\n pop edx\n"
                + "call f\n jmp done\n f: mov esi, [esp]\n ret\n done:");
        assertEquals(1, r(0));
        assertEquals(2, r(1));
        assertEquals(0x55, r(2));
        exec("mov ebp, 0x1234\n enter 16, 0\n mov eax, esp\n mov ecx, ebp\n leave");
        assertEquals(0x80000 - 4, r(1));
        assertEquals(0x80000 - 20, r(0));
        assertEquals(0x1234, r(5));
        assertEquals(0x80000, r(4));
        exec("push word ptr 0x1234\n pop ax\n pushfd\n popfd");
        assertEquals(0x1234, r(0) & 0xFFFF);
    }

    @Test
    void strings() {
        exec("mov edi, 0x3000\n mov eax, 0x61626364\n mov ecx, 4\n cld\n rep stosd\n"
                + "mov esi, 0x3000\n mov edi, 0x3100\n mov ecx, 16\n rep movsb\n"
                + "mov edi, 0x3100\n mov al, 0x62\n mov ecx, 16\n repne scasb\n mov ebx, ecx\n"
                + "mov esi, 0x3000\n mov edi, 0x3100\n mov ecx, 16\n repe cmpsb\n setz dl");
        assertEquals(0x61626364, ram.read32(0x310C));
        assertEquals(13, r(3));
        assertEquals(0, r(1));
        assertEquals(1, r(2) & 0xFF);
        exec("std\n mov esi, 0x3003\n lodsb\n cld\n mov ecx, esi");
        assertEquals(0x61, r(0) & 0xFF);
        assertEquals(0x3002, r(1));
        exec("mov ecx, 0\n mov edi, 0x3000\n rep stosb\n mov eax, ecx");
        assertEquals(0, r(0));
    }

    @Test
    void sixteenBitOperandAndAddress() {
        exec("mov eax, 0x1234ffff\n add ax, 1\n setc bl");
        assertEquals(0x12340000, r(0));
        assertEquals(1, r(3) & 0xFF);
        // addr16: lea ax,[bx+si+4] = 67 66 8d 40 04
        exec("mov ebx, 0x1fff0\n mov esi, 0x20\n mov eax, 0\n .byte 0x67, 0x66, 0x8d, 0x40, 0x04");
        assertEquals(0x0014, r(0));
    }

    @Test
    void loops() {
        exec("mov ecx, 5\n xor eax, eax\n l: add eax, 2\n loop l\n jecxz z\n mov eax, 0\n z:");
        assertEquals(10, r(0));
        exec("mov ecx, 5\n xor eax, eax\n l: inc eax\n cmp eax, 2\n loopne l");
        assertEquals(2, r(0));
        assertEquals(3, r(1));
    }

    @Test
    void undefinedOpcodeExits() {
        byte[] code = Asm.asm(CODE, "nop\n ud2\n");
        ram.load(CODE, code, 0, code.length);
        cpu.setEip(CODE);
        assertEquals(RunResult.EXIT, cpu.run(100));
        assertEquals(6, cpu.lastExit().vector());
        assertEquals(CODE + 1, cpu.eip());
    }

    @Test
    void breakpointAndOverflowTrapsExitAfterTheInstruction() {
        byte[] code = Asm.asm(CODE, "nop\n int3\n mov eax, 0x7fffffff\n add eax, 1\n into\n hlt");
        ram.load(CODE, code, 0, code.length);
        cpu.setEip(CODE);
        assertEquals(RunResult.EXIT, cpu.run(100));
        assertEquals(3, cpu.lastExit().vector());
        assertEquals(CODE + 2, cpu.eip());
        assertEquals(RunResult.EXIT, cpu.run(100));
        assertEquals(4, cpu.lastExit().vector());
        assertEquals(CODE + 11, cpu.eip());
        exec("mov ax, 0x6901\n stc\n mov bl, 0x0f\n add bl, 1\n mov ax, 0x6901\n aas");
        assertEquals(0x670B, r(0) & 0xFFFF);
    }
}
