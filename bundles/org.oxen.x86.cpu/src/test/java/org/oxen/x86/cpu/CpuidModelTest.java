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
        return q(m, leaf, 0);
    }

    private static int[] q(CpuidModel m, int leaf, int subleaf) {
        int[] o = new int[4];
        m.query(leaf, subleaf, o);
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

    /** Leaf 4 subleaf by subleaf for two cores of one thread: L1d, L1i, L2 per core, L3 per package, then none. */
    @Test
    void leafFourDescribesEachCacheAndWhoSharesIt() {
        CpuidModel m = new CpuidModel().setLocalApic(1).setPackageCpus(2);
        assertEquals(0xB, q(m, 0)[0], "the maximum basic leaf covers 0xB");
        int[][] expect = {
            // EAX: type | level << 5 | self-initializing | sharing-1 << 14 | cores-1 << 26; EBX: line-1 | ways-1 << 22; ECX: sets-1
            {1 | 1 << 5 | 1 << 8 | 1 << 26, 63 | 7 << 22, 63, 1},
            {2 | 1 << 5 | 1 << 8 | 1 << 26, 63 | 7 << 22, 63, 1},
            {3 | 2 << 5 | 1 << 8 | 1 << 26, 63 | 15 << 22, 4095, 1},
            {3 | 3 << 5 | 1 << 8 | 1 << 14 | 1 << 26, 63 | 15 << 22, 16383, 6},
            {0, 0, 0, 0},
        };
        long[] sizes = {32 << 10, 32 << 10, 4 << 20, 16 << 20};
        for (int i = 0; i < expect.length; i++) {
            int[] l4 = q(m, 4, i);
            assertArrayEquals(expect[i], l4, "leaf 4 subleaf " + i);
            if (i < sizes.length) { // Intel's formula: ways x partitions x line size x sets
                long size = (long) ((l4[1] >>> 22) + 1) * ((l4[1] >>> 12 & 0x3FF) + 1) * ((l4[1] & 0xFFF) + 1) * (l4[2] + 1);
                assertEquals(sizes[i], size, "subleaf " + i + " size");
            }
        }
        assertArrayEquals(new int[] {0, 0, 0, 0}, q(m, 4, 17));
    }

    /** Leaf 0xB per subleaf: the SMT level, the core level, then invalid; EDX the x2APIC ID at each. */
    @Test
    void leafElevenGivesTheX2apicLevels() {
        CpuidModel cores = new CpuidModel().setLocalApic(2).setPackageCpus(3);
        assertArrayEquals(new int[] {0, 1, 0 | 1 << 8, 2}, q(cores, 0xB, 0), "SMT: no bits, one thread");
        assertArrayEquals(new int[] {2, 3, 1 | 2 << 8, 2}, q(cores, 0xB, 1), "core: 2 bits to the package, 3 CPUs");
        assertArrayEquals(new int[] {0, 0, 2, 2}, q(cores, 0xB, 2), "invalid level");
        assertArrayEquals(new int[] {0, 0, 5, 2}, q(cores, 0xB, 5));
        assertEquals(4, q(cores, 1)[1] >>> 16 & 0xFF, "leaf 1: 2^2 addressable IDs");
        assertEquals(3 << 26, q(cores, 4, 0)[0] & 0xFC000000, "leaf 4: 4 addressable core IDs");

        CpuidModel threads = new CpuidModel().setLocalApic(3).setPackageTopology(2, 2);
        assertArrayEquals(new int[] {1, 2, 0 | 1 << 8, 3}, q(threads, 0xB, 0), "SMT: 1 bit, two threads");
        assertArrayEquals(new int[] {2, 4, 1 | 2 << 8, 3}, q(threads, 0xB, 1), "core: 2 bits, four logical");
        assertEquals(4, q(threads, 1)[1] >>> 16 & 0xFF);
        assertEquals(CpuidModel.HTT, q(threads, 1)[3] & CpuidModel.HTT);
        assertEquals(1, q(threads, 4, 0)[0] >>> 14 & 0xFFF, "L1d shared by the core's two threads");
        assertEquals(1, q(threads, 4, 2)[0] >>> 14 & 0xFFF, "L2 too");
        assertEquals(3, q(threads, 4, 3)[0] >>> 14 & 0xFFF, "L3 by all four");
        assertEquals(1, q(threads, 4, 3)[0] >>> 26, "two core IDs");

        CpuidModel one = new CpuidModel().setLocalApic(0).setPackageCpus(1);
        assertArrayEquals(new int[] {0, 1, 1 << 8, 0}, q(one, 0xB, 0));
        assertArrayEquals(new int[] {0, 1, 1 | 2 << 8, 0}, q(one, 0xB, 1));
        assertEquals(0, q(one, 4, 3)[0] >>> 14, "one CPU shares nothing");
        assertThrows(IllegalArgumentException.class, () -> new CpuidModel().setPackageTopology(2, 3));
        assertThrows(IllegalArgumentException.class, () -> new CpuidModel().setPackageTopology(65, 2));
        assertThrows(IllegalArgumentException.class, () -> new CpuidModel().setPackageTopology(0, 1));
    }

    /**
     * Every CPU of a package, read as Linux's detect_extended_topology
     * (arch/x86/kernel/cpu/topology.c) reads leaf 0xB and as its cacheinfo reads leaf 4: one
     * package, the core and thread of each APIC ID, one L3 ID for all, one L2 ID per core, and
     * leaf 1's count and leaf 4's core count agreeing with leaf 0xB.
     */
    @Test
    void linuxReadsOnePackageOfCoresOrThreads() {
        for (int[] t : new int[][] {{1, 1}, {2, 1}, {3, 1}, {4, 1}, {2, 2}, {3, 2}, {4, 4}, {64, 2}}) {
            int cores = t[0], threads = t[1], n = cores * threads;
            java.util.Set<Integer> coreIds = new java.util.HashSet<>(), l2Ids = new java.util.HashSet<>();
            for (int cpu = 0; cpu < n; cpu++) {
                int apic = (cpu / threads) << Integer.numberOfTrailingZeros(threads) | cpu % threads;
                CpuidModel m = new CpuidModel().setLocalApic(apic).setPackageTopology(cores, threads);
                String what = cores + "x" + threads + ", APIC ID " + apic;
                int[] smt = q(m, 0xB, 0);
                assertEquals(1, smt[2] >>> 8 & 0xFF, what + ": subleaf 0 is the SMT level");
                int htWidth = smt[0] & 0x1F, siblings = smt[1] & 0xFFFF, pkgWidth = htWidth, coreSiblings = siblings;
                for (int sub = 1;; sub++) {
                    int[] l = q(m, 0xB, sub);
                    int type = l[2] >>> 8 & 0xFF;
                    if (type == 0) break;
                    if (type == 2) coreSiblings = l[1] & 0xFFFF;
                    pkgWidth = l[0] & 0x1F;
                    assertEquals(apic, l[3], what + ": x2APIC ID");
                }
                int coreSelect = ~(-1 << pkgWidth) >>> htWidth;
                assertEquals(0, apic >>> pkgWidth, what + ": package 0");
                coreIds.add(apic >>> htWidth & coreSelect);
                assertEquals(threads, siblings, what + ": threads per core");
                assertEquals(cores, coreSiblings / siblings, what + ": x86_max_cores");
                int[] l1 = q(m, 1);
                assertEquals(n > 1 ? 1 << pkgWidth : 0, l1[1] >>> 16 & 0xFF, what + ": leaf 1's addressable IDs");
                assertEquals(n > 1, (l1[3] & CpuidModel.HTT) != 0, what + ": HTT");
                assertEquals(1 << (pkgWidth - htWidth), (q(m, 4, 0)[0] >>> 26) + 1, what + ": leaf 4's core IDs");
                // cacheinfo: the IDs sharing a cache, rounded to a power of two, mask the APIC ID
                int l2Share = (q(m, 4, 2)[0] >>> 14 & 0xFFF) + 1, l3Share = (q(m, 4, 3)[0] >>> 14 & 0xFFF) + 1;
                l2Ids.add(apic >>> Integer.numberOfTrailingZeros(Integer.highestOneBit(l2Share)));
                assertEquals(0, apic >>> Integer.numberOfTrailingZeros(Integer.highestOneBit(l3Share)), what + ": one L3");
            }
            assertEquals(cores, coreIds.size(), cores + "x" + threads + ": a core ID per core");
            assertEquals(cores, l2Ids.size(), cores + "x" + threads + ": an L2 per core");
        }
    }
}
