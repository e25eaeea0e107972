package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;

/**
 * x86bench, built at test time with small sizes, boots from its multiboot ELF and from its ROM
 * on the default PC and prints the checksums of the native build of the same object.
 */
class X86BenchTest {

    static final long LOOP = 100_000;
    static final int MIX = 2;

    @TempDir
    static Path dir;
    static Path out;
    static List<String> nativeResults;

    @BeforeAll
    static void build() throws Exception {
        out = Guests.x86bench(dir, LOOP, MIX, 1);
        nativeResults = results(Guests.run(dir, out.resolve("native32").toString(), Long.toString(LOOP), Integer.toString(MIX)));
        assertEquals(2, nativeResults.size(), nativeResults.toString());
    }

    /** The "loop iters=... result=..." and "mix rounds=... result=..." lines. */
    static List<String> results(String text) {
        return text.lines().filter(l -> l.matches("(loop iters|mix rounds)=\\p{XDigit}{8} result=\\p{XDigit}{8}"))
                .collect(Collectors.toList());
    }

    private static void check(Board b) {
        assertEquals(MachineState.EXITED, b.state(), () -> b.reason() + "\n" + b.console());
        assertEquals(33, b.exitStatus());
        assertTrue(b.console().startsWith("x86bench: paging on\n"), b.console());
        assertTrue(b.console().endsWith("x86bench: done\n"), b.console());
        assertEquals(nativeResults, results(b.console()), b.console());
        assertEquals(b.console(), b.console("debugcon"), "COM1 and port 0xE9 carry the same text");
    }

    @Test
    void multibootElfPrintsTheNativeChecksums() throws Exception {
        check(TestBoards.runToEnd(MachineDescription.pc(), out.resolve("bench_" + Guests.tag(LOOP, MIX, 1) + ".elf")));
    }

    @Test
    void romPrintsTheNativeChecksums() throws Exception {
        check(TestBoards.runToEnd(MachineDescription.pc(), out.resolve("bench_" + Guests.tag(LOOP, MIX, 1) + ".rom")));
    }

    @Test
    void deterministicRunsRetireTheSameInstructions() throws Exception {
        Path elf = out.resolve("bench_" + Guests.tag(LOOP, MIX, 1) + ".elf");
        Board a = TestBoards.runToEnd(TestBoards.deterministicPc(), elf);
        Board b = TestBoards.runToEnd(TestBoards.deterministicPc(), elf);
        check(a);
        assertEquals(a.instructions(), b.instructions());
        assertEquals(a.nanos(), b.nanos());
        // loop(N) = 6N + 7 and mix(R) = 16,918 + 1,461,543 R (x86bench README) plus start-up and printing
        long workload = 6 * LOOP + 7 + 16_918 + 1_461_543L * MIX;
        assertTrue(a.instructions() > workload && a.instructions() < workload + 1_000_000, "instructions " + a.instructions());
    }
}
