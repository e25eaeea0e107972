package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;

/**
 * Session 16: guest RAM counts a page committed on its first write only. A TLB fill for a read
 * must not hand out the page for writing (which marks it committed): a guest that reads 256
 * pages and writes one commits one page beside its code, in the interpreter and once translated.
 */
class CommitOnWriteTest {

    /** Reads one dword of each of 256 pages from 1 MiB up, stores the last at 2 MiB, halts. */
    private static final byte[] READ_256_WRITE_1 = {
        (byte) 0xBE, 0x00, 0x00, 0x10, 0x00,       // mov esi, 0x100000
        (byte) 0xB9, 0x00, 0x01, 0x00, 0x00,       // mov ecx, 256
        (byte) 0x8B, 0x06,                         // L: mov eax, [esi]
        (byte) 0x81, (byte) 0xC6, 0x00, 0x10, 0x00, 0x00, // add esi, 0x1000
        (byte) 0xE2, (byte) 0xF6,                  // loop L
        (byte) 0xA3, 0x00, 0x00, 0x20, 0x00,       // mov [0x200000], eax
        (byte) 0xF4,                               // hlt
    };

    @Test
    void readsCommitNoPageOnlyTheFirstWriteDoes() {
        for (CpuOptions options : new CpuOptions[] {new CpuOptions(false, false, 50, 10), new CpuOptions(true, true, 2, 1)}) {
            Ram ram = new Ram(4 << 20);
            X86Cpu cpu = X86Cpu.create(ram, CpuTestSupport.NO_IO, options);
            CpuTestSupport.enterFlat32(cpu, 0);
            ram.load(0x1000, READ_256_WRITE_1, 0, READ_256_WRITE_1.length);
            cpu.setEip(0x1000);
            assertEquals(RunResult.HALTED, CpuTestSupport.runUntilHlt(cpu, 10_000), options.toString());
            assertEquals(2 * 4096, ram.committedBytes(), "the code page and the page written, not the 256 read: " + options);
            assertEquals(true, ram.isCommitted(0x200000));
            assertEquals(false, ram.isCommitted(0x100000));
        }
    }
}
