package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.bench.X86Bench;

/**
 * Runs a small x86bench kernel (gcc -O2 -march=i386 code, paging on) and compares its checksums
 * with the values QEMU and native print for the same sizes. The sources are the repository's copy in
 * benchmarks/x86bench; the tools come from the setup-host.sh scripts ./oxen runs.
 */
class X86BenchChecksumTest {

    @Test
    void smallBenchMatchesNativeChecksums() throws Exception {
        check(cpu -> { });
    }

    /**
     * The same with an instruction and a data breakpoint armed at addresses the kernel never
     * touches: every instruction goes through the interpreter and every data access through the
     * MMU's slow path (Debug), which must compute the same.
     */
    @Test
    void sameChecksumsWithBreakpointsArmed() throws Exception {
        check(cpu -> {
            cpu.setDr(0, 0x3FFFFF0);
            cpu.setDr(1, 0x3FFFFE0);
            cpu.setDr(7, 0x3 | 0x3 << 16 | 0x3 << 18 | 0xC);
        });
    }

    private void check(java.util.function.Consumer<X86Cpu> setup) throws Exception {
        Path src = Path.of("../../benchmarks/x86bench").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(src.resolve("workload.c")), "x86bench sources not found in " + src);
        Process p = new ProcessBuilder("sh", "scripts/build-x86bench.sh", src.toString(), "target/x86bench", "1000000",
                "10", "1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), () -> "x86bench build failed: " + out);
        String[] lines = out.split("\n");
        byte[] elf = Files.readAllBytes(Path.of(lines[lines.length - 1]));
        X86Bench.BenchIo io = X86Bench.run(elf, 100_000_000L, setup);
        String console = io.out.toString();
        assertTrue(console.contains("loop iters=000f4240 result=9c407cb9"), console);
        assertTrue(console.contains("mix rounds=0000000a result=ab329568"), console);
        assertTrue(io.exited, console);
    }
}
