package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;
import static org.oxen.x86.cpu.testkit.TestMachine.UCODE;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/** Exit hooks: the owner sees chosen events instead of the IDT and resumes, completes or injects. */
class ExitTest {
    final TestMachine m = new TestMachine().protectedMode();
    final List<String> seen = new ArrayList<>();

    static final String TO_RING1 = "mov ax, 0x23\n mov ds, ax\n mov es, ax\n push 0x23\n push 0x8000\n pushfd\n push 0x1b\n push "
            + UCODE + "\n iretd\n";

    RunResult kernel(String src) {
        m.code(KCODE, src + "\n hlt");
        m.cpu.setEip(KCODE);
        return m.run(10_000);
    }

    @Test
    void hypercallVectorCompletes() {
        m.cpu.setSoftwareInterruptExit(0x82, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(x.reason() + ":" + Integer.toHexString(x.vector()) + ":" + cpu.cpl());
            if (x.reason() == ExitReason.EXCEPTION) {
                return ExitAction.STOP;
            }
            cpu.setGpr(X86Cpu.EAX, cpu.gpr(X86Cpu.EBX) * 2);
            return ExitAction.COMPLETE;
        });
        m.code(KCODE, TO_RING1);
        m.code(UCODE, "mov ebx, 21\n int 0x82\n mov ecx, eax\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setPrivilegedGpExit(true);
        RunResult r = m.run(1000);
        assertEquals(RunResult.EXIT, r); // HLT at CPL 3: privileged #GP exit, the handler stops
        assertEquals(42, m.cpu.gpr(X86Cpu.ECX));
        assertEquals("[SOFTWARE_INTERRUPT:82:3, EXCEPTION:d:3]", seen.toString());
    }

    @Test
    void vmcallAndVmmcallExitAtEveryCplAndComplete() {
        m.cpu.setVmcallExit(true);
        m.cpu.setPrivilegedGpExit(true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(x.reason() + ":" + Integer.toHexString(x.index()) + ":" + cpu.cpl() + ":"
                    + Integer.toHexString(x.nextEip() - x.eip()));
            if (x.reason() != ExitReason.VMCALL) return ExitAction.STOP;
            x.setValue(cpu.gpr(X86Cpu.EAX) + 1);
            return ExitAction.COMPLETE;
        });
        m.code(KCODE, "mov eax, 10\n .byte 0x0f, 0x01, 0xc1\n mov esi, eax\n" + TO_RING1);
        m.code(UCODE, "mov eax, 20\n .byte 0x0f, 0x01, 0xd9\n mov edi, eax\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.EXIT, m.run(1000)); // HLT at CPL 3 stops
        assertEquals(11, m.cpu.gpr(X86Cpu.ESI));
        assertEquals(21, m.cpu.gpr(X86Cpu.EDI));
        assertEquals("[VMCALL:c1:0:3, VMCALL:d9:3:3, EXCEPTION:0:3:0]", seen.toString());
    }

    @Test
    void vmcallWithoutItsExitOrDeliveredNativelyIsUndefined() {
        m.cpu.setExceptionExit(6, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(x.reason() + ":" + x.vector() + ":" + Integer.toHexString(x.eip()));
            if (x.reason() == ExitReason.VMCALL) return ExitAction.DELIVER;
            return ExitAction.STOP;
        });
        m.code(KCODE, ".byte 0x0f, 0x01, 0xd9\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.EXIT, m.run(100));
        m.cpu.setVmcallExit(true);
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.EXIT, m.run(100));
        String k = Integer.toHexString(KCODE);
        assertEquals("[EXCEPTION:6:" + k + ", VMCALL:-1:" + k + ", EXCEPTION:6:" + k + "]", seen.toString());
    }

    @Test
    void hypervisorLeavesAnswerTheirRangeAndSetTheHypervisorBit() {
        assertEquals(0, m.cpu.cpuidModel().features() & 0); // the model is there
        int[] out = new int[4];
        m.cpu.cpuidModel().query(1, 0, out);
        assertEquals(0, out[2] & CpuidModel.HYPERVISOR);
        m.cpu.cpuidModel().setHypervisorLeaves((leaf, sub, o) -> {
            if (leaf == 0x40000000) o[0] = 0x40000000 + sub;
        });
        assertEquals(RunResult.HALTED, kernel("mov eax, 0x40000000\n mov ecx, 7\n cpuid\n mov esi, eax\n mov edi, ebx\n"
                + "mov eax, 0x40000001\n cpuid\n mov ebp, eax\n mov eax, 1\n cpuid"));
        assertEquals(0x40000007, m.cpu.gpr(X86Cpu.ESI));
        assertEquals(0, m.cpu.gpr(X86Cpu.EDI));
        assertEquals(0, m.cpu.gpr(X86Cpu.EBP)); // a leaf the hypervisor leaves alone reads zeros
        assertEquals(CpuidModel.HYPERVISOR, m.cpu.gpr(X86Cpu.ECX) & CpuidModel.HYPERVISOR);
    }

    @Test
    void privilegedGpExitAndSkip() {
        m.cpu.setPrivilegedGpExit(true);
        m.cpu.setExitHandler((cpu, x) -> {
            assertEquals(ExitReason.EXCEPTION, x.reason());
            assertEquals(13, x.vector());
            assertEquals(0, x.errorCode());
            seen.add(Integer.toHexString(x.eip()));
            cpu.setEip(cpu.eip() + 1); // skip the one-byte CLI / HLT
            return ExitAction.RESUME;
        });
        m.code(KCODE, TO_RING1);
        m.code(UCODE, "cli\n mov eax, 5\n hlt\n mov ebx, 6\n .byte 0xeb, 0xfe");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.INSTRUCTION_LIMIT, m.run(100));
        assertEquals(6, m.cpu.gpr(X86Cpu.EBX));
        assertEquals("[20000, 20006]", seen.toString());
    }

    @Test
    void undefinedOpcodeExitForForcedEmulationPrefix() {
        m.cpu.setExceptionExit(6, true);
        m.cpu.setExitHandler((cpu, x) -> {
            // ud2a; .ascii "xen"; cpuid  -> emulate CPUID with a different vendor
            cpu.setGpr(X86Cpu.EBX, 0x1234);
            cpu.setEip(cpu.eip() + 7);
            return ExitAction.RESUME;
        });
        assertEquals(RunResult.HALTED, kernel("ud2\n .ascii \"xen\"\n cpuid\n"));
        assertEquals(0x1234, m.cpu.gpr(X86Cpu.EBX));
    }

    @Test
    void ioExitCompletesInAndSeesOut() {
        m.cpu.setIoExit(0x1234, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add((x.write() ? "out " : "in ") + Integer.toHexString(x.port()) + "/" + x.size()
                    + (x.write() ? "=" + Long.toHexString(x.value()) : ""));
            x.setValue(0xCAFEBABEL);
            return ExitAction.COMPLETE;
        });
        assertEquals(RunResult.HALTED, kernel("mov dx, 0x1234\n in eax, dx\n mov ecx, eax\n in al, dx\n mov ax, 0x77\n out dx, ax\n out 0xe9, al"));
        assertEquals(0xCAFEBABE, m.cpu.gpr(X86Cpu.ECX));
        assertEquals(0xBE, m.cpu.gpr(X86Cpu.EAX) & 0xFF00 | 0xBE & 0xFF);
        assertEquals("[in 1234/4, in 1234/1, out 1234/2=77]", seen.toString());
        assertEquals("w", m.console.toString());
    }

    @Test
    void pageFaultRangeExitLetsTheOwnerMapThePage() {
        int pd = 0x100000, pt = 0x101000;
        for (int i = 0; i < 1024; i++) m.ram.write32(pt + 4 * i, i << 12 | 7);
        m.ram.write32(pt + 4 * 0x50, 0);
        m.ram.write32(pd, pt | 7);
        m.cpu.setCr(3, pd);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        m.ram.write32(0x50010, 0x5555);
        m.cpu.addPageFaultExitRange(0x50000, 0x51000);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(x.vector() + ":" + Integer.toHexString(x.address()) + ":" + x.errorCode());
            m.ram.write32(pt + 4 * 0x50, 0x50000 | 7);
            return ExitAction.RESUME;
        });
        assertEquals(RunResult.HALTED, kernel("mov eax, [0x50010]"));
        assertEquals(0x5555, m.cpu.gpr(X86Cpu.EAX));
        assertEquals("[14:50010:0]", seen.toString());
        assertEquals(0, m.cpu.cr(2)); // the CPU did not write CR2 for an exit
    }

    @Test
    void pageFaultFrameExitAndInjection() {
        int pd = 0x100000, pt = 0x101000;
        for (int i = 0; i < 1024; i++) m.ram.write32(pt + 4 * i, i << 12 | 7);
        m.ram.write32(pt + 4 * 0x60, 0x61000 | 5); // read-only alias of frame 0x61
        m.ram.write32(pd, pt | 7);
        m.cpu.setCr(3, pd);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80010000);
        m.cpu.setPageFaultExitFrame(0x61, true);
        m.idt(14, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "pop eax\n mov [0x7000], eax\n mov eax, cr2\n mov [0x7004], eax\n hlt");
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(Integer.toHexString(x.address()) + ":" + x.errorCode());
            if (seen.size() == 1) {
                m.ram.write32(0x61004, 0x4242); // emulate the write
                cpu.setEip(cpu.eip() + 10);
                return ExitAction.RESUME;
            }
            return ExitAction.DELIVER;
        });
        assertEquals(RunResult.HALTED, kernel("mov dword ptr [0x60004], 0x4242\n mov dword ptr [0x60008], 1"));
        assertEquals(0x4242, m.ram.read32(0x61004));
        assertEquals("[60004:3, 60008:3]", seen.toString());
        assertEquals(3, m.ram.read32(0x7000)); // second one delivered through the IDT
        assertEquals(0x60008, m.ram.read32(0x7004));
    }

    @Test
    void injectExceptionFromHandler() {
        m.cpu.setSoftwareInterruptExit(0x82, true);
        m.idt(13, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "pop eax\n mov [0x7000], eax\n pop eax\n mov [0x7004], eax\n hlt");
        m.cpu.setExitHandler((cpu, x) -> {
            cpu.injectException(13, 0x1234);
            return ExitAction.RESUME;
        });
        assertEquals(RunResult.HALTED, kernel("nop\n int 0x82"));
        assertEquals(0x1234, m.ram.read32(0x7000));
        assertEquals(KCODE + 1, m.ram.read32(0x7004));
    }

    @Test
    void hltCrAndMsrExits() {
        m.cpu.setHltExit(true);
        m.cpu.setCrExit(3, false, true);
        m.cpu.setMsrExit(true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(x.reason() + ":" + Integer.toHexString(x.index()) + ":" + Long.toHexString(x.value()));
            if (x.reason() == ExitReason.MSR_ACCESS) {
                x.setValue(0x1122334455667788L);
                return ExitAction.COMPLETE;
            }
            return x.reason() == ExitReason.HLT ? ExitAction.STOP : ExitAction.COMPLETE;
        });
        m.code(KCODE, "mov eax, 0x123000\n mov cr3, eax\n mov ecx, 0x10\n rdmsr\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.EXIT, m.run(100));
        assertEquals(0, m.cpu.cr(3)); // the handler did not write CR3
        assertEquals(0x55667788, m.cpu.gpr(X86Cpu.EAX));
        assertEquals(0x11223344, m.cpu.gpr(X86Cpu.EDX));
        assertEquals(KCODE + 15, m.cpu.eip()); // at the HLT
        m.cpu.completeExit(0);
        assertEquals(KCODE + 16, m.cpu.eip());
        assertFalse(m.cpu.isHalted());
        assertEquals("[CR_ACCESS:3:123000, MSR_ACCESS:10:0, HLT:0:0]", seen.toString());
    }

    @Test
    void singleMsrExit() {
        m.cpu.setMsrExit(0x1B, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(Integer.toHexString(x.index()) + (x.write() ? "=" + Long.toHexString(x.value()) : ""));
            x.setValue(0xFEE00900L);
            return ExitAction.COMPLETE;
        });
        assertEquals(RunResult.HALTED, kernel("mov ecx, 0x1b\n rdmsr\n mov esi, eax\n mov ecx, 0x175\n mov eax, 0x1234\n xor edx, edx\n wrmsr\n"
                + "mov ecx, 0x1b\n wrmsr"));
        assertEquals(0xFEE00900, m.cpu.gpr(X86Cpu.ESI));
        assertEquals(0x1234, m.cpu.msr(0x175));
        assertEquals("[1b, 1b=1234]", seen.toString());
    }
}
