package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** xl's cpu lists: libxl's cpurange syntax in, print_bitmap's form out. */
class CpuListTest {

    @Test
    void parsesXlsSyntax() {
        assertEquals(List.of(0, 1, 2, 3), CpuList.parse("all", 4));
        assertEquals(List.of(2), CpuList.parse("2", 4));
        assertEquals(List.of(1, 2, 3), CpuList.parse("1-3", 4));
        assertEquals(List.of(0, 2, 3), CpuList.parse("0,2-3", 4));
        assertEquals(List.of(0, 1, 3), CpuList.parse("all,^2", 4));
        assertEquals(List.of(0, 3), CpuList.parse("0-3,^1-2", 4));
    }

    @Test
    void refusesWithTheReason() {
        for (String[] c : new String[][] {{"4", "does not exist"}, {"1-7", "does not exist"}, {"3-1", "invalid cpu range"},
                {"x", "invalid cpu"}, {"", "empty"}, {"1,", "invalid cpu"}, {"^0-3", "names no pCPU"},
                {"-1", "invalid cpu"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuList.parse(c[0], 4), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }

    @Test
    void printsAsXl() {
        assertEquals("all", CpuList.format(List.of(0, 1, 2, 3), 4));
        assertEquals("0-1,3", CpuList.format(List.of(0, 1, 3), 4));
        assertEquals("2", CpuList.format(List.of(2), 4));
        assertEquals("0,2-3", CpuList.format(List.of(0, 2, 3), 8));
    }
}
