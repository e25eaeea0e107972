package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.testkit.Asm;

/** Two CPUs on two threads over one RAM: LOCK-prefixed RMW, XCHG and LOCK CMPXCHG8B are atomic between them. */
class SmpTest {

    @Test
    void lockedIncrementsAndXchgSpinlockDoNotLoseUpdates() throws Exception {
        Ram ram = new Ram(1 << 20);
        byte[] code = Asm.asm(0x1000, "mov ecx, 5000\n"
                + "l: lock inc dword ptr [0x2000]\n"
                + "spin: mov eax, 1\n xchg eax, [0x2008]\n test eax, eax\n jnz spin\n"
                + "mov edx, [0x2004]\n inc edx\n mov [0x2004], edx\n mov dword ptr [0x2008], 0\n"
                + "mov esi, 0x2010\n"
                + "retry: mov eax, [esi]\n mov edx, [esi+4]\n mov ebx, eax\n mov edi, edx\n add ebx, 0x80000000\n adc edi, 0\n"
                + "push ecx\n mov ecx, edi\n lock cmpxchg8b [esi]\n pop ecx\n jnz retry\n"
                + "dec ecx\n jnz l\n hlt");
        ram.load(0x1000, code, 0, code.length);
        Thread[] t = new Thread[2];
        RunResult[] res = new RunResult[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            X86Cpu cpu = CpuTestSupport.flat32(ram, 0);
            cpu.setEip(0x1000);
            cpu.setGpr(X86Cpu.ESP, 0x8000 + 0x1000 * i);
            t[i] = new Thread(() -> res[k] = CpuTestSupport.runUntilHlt(cpu, 2_000_000_000L));
        }
        for (Thread th : t) th.start();
        for (Thread th : t) th.join();
        assertEquals(RunResult.HALTED, res[0]);
        assertEquals(RunResult.HALTED, res[1]);
        assertEquals(10000, ram.read32(0x2000)); // lock inc
        assertEquals(10000, ram.read32(0x2004)); // plain increments inside the xchg spinlock
        assertEquals(10000L * 0x80000000L, ram.read64(0x2010)); // 64-bit adds by LOCK CMPXCHG8B
    }
}
