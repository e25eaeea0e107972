package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * What a board announces through CPUID beyond the default model: a local APIC with its ID (leaf
 * 1), and the TSC's and the crystal clock's rates (leaves 0x15, 0x16, invariant TSC in
 * 0x80000007) that Linux reads instead of calibrating against the PIT.
 */
class CpuidModelTest {

    private static int[] q(CpuidModel m, int leaf) {
        int[] o = new int[4];
        m.query(leaf, 0, o);
        return o;
    }

    @Test
    void theDefaultModelHasNoApicAndNoFrequencyLeaves() {
        CpuidModel m = new CpuidModel();
        assertEquals(0, q(m, 1)[3] & CpuidModel.APIC);
        assertEquals(2, q(m, 0)[0]);
        assertEquals(0x80000004, q(m, 0x80000000)[0]);
    }

    @Test
    void aLocalApicShowsInLeafOneWithItsId() {
        CpuidModel m = new CpuidModel().setLocalApic(3);
        int[] l1 = q(m, 1);
        assertEquals(CpuidModel.APIC, l1[3] & CpuidModel.APIC);
        assertEquals(3, l1[1] >>> 24);
        assertEquals(0x0800, l1[1] & 0xFFFF, "CLFLUSH line size and brand index unchanged");
        assertEquals(CpuidModel.PAE | CpuidModel.CX8 | CpuidModel.TSC,
                l1[3] & (CpuidModel.PAE | CpuidModel.CX8 | CpuidModel.TSC), "other features unchanged");
        assertThrows(IllegalArgumentException.class, () -> m.setLocalApic(256));
    }

    @Test
    void tscAndCrystalFrequenciesAreLeaves15And16() {
        CpuidModel m = new CpuidModel().setTscFrequency(1_000_000_000L, 1_000_000_000L);
        assertEquals(0x16, q(m, 0)[0], "max basic leaf");
        assertArrayEquals(new int[] {1, 1, 1_000_000_000, 0}, q(m, 0x15));
        assertArrayEquals(new int[] {1000, 1000, 1000, 0}, q(m, 0x16));
        assertEquals(0x80000007, q(m, 0x80000000)[0]);
        assertEquals(CpuidModel.INVARIANT_TSC, q(m, 0x80000007)[3]);
        assertArrayEquals(new int[] {0, 0, 0, 0}, q(m, 4), "leaves between read as zeros (no cache leaves)");
        assertEquals(0x756e6547, q(m, 0)[1], "vendor unchanged");

        // a 25 MHz crystal: TSC = crystal * EBX / EAX
        int[] l15 = q(new CpuidModel().setTscFrequency(2_400_000_000L, 25_000_000L), 0x15);
        assertArrayEquals(new int[] {1, 96, 25_000_000, 0}, l15);
        int[] odd = q(new CpuidModel().setTscFrequency(1_000_000_000L, 14_318_180L), 0x15);
        assertEquals(1_000_000_000L, (long) odd[2] * odd[1] / odd[0], "exact ratio for a crystal that does not divide");
        assertThrows(IllegalArgumentException.class, () -> new CpuidModel().setTscFrequency(1, 0));
    }

    @Test
    void cpusOfOnePackageShowHttAndTheRoundedLogicalCount() {
        for (int[] c : new int[][] {{2, 2}, {3, 4}, {4, 4}, {5, 8}, {128, 128}}) {
            int[] l1 = q(new CpuidModel().setLocalApic(1).setPackageCpus(c[0]), 1);
            assertEquals(CpuidModel.HTT, l1[3] & CpuidModel.HTT, c[0] + " CPUs: HTT");
            assertEquals(c[1], l1[1] >>> 16 & 0xFF, c[0] + " CPUs: addressable logical IDs");
            assertEquals(1, l1[1] >>> 24, "APIC ID kept");
            assertEquals(0x0800, l1[1] & 0xFFFF, "CLFLUSH line size kept");
        }
        CpuidModel one = new CpuidModel().setPackageCpus(4).setPackageCpus(1);
        assertEquals(0, q(one, 1)[3] & CpuidModel.HTT, "one CPU: no package to share");
        assertEquals(0, q(one, 1)[1] >>> 16 & 0xFF);
        assertThrows(IllegalArgumentException.class, () -> new CpuidModel().setPackageCpus(0));
        assertThrows(IllegalArgumentException.class, () -> new CpuidModel().setPackageCpus(129));
    }
}
