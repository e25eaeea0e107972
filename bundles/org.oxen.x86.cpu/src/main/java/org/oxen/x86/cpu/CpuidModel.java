package org.oxen.x86.cpu;

import java.nio.charset.StandardCharsets;

/**
 * The CPUID leaves a CPU reports. Mutable until handed to a CPU; the CPU reads it on every
 * CPUID (rare), so later changes take effect at once. Unknown leaves above the maximum return
 * the highest basic leaf, as Intel CPUs do.
 *
 * <p>The default model is a family-6 "GenuineIntel" i686 with FPU, DE, PSE, TSC, MSR, PAE,
 * CX8, SEP, MTRR, PGE, CMOV, PAT, FXSR, and NX in leaf 0x80000001: what this core implements
 * (no MMX, SSE or SSE2: FXSR saves the x87 state only).
 */
public final class CpuidModel {

    /** Leaf 1 EDX feature bits. */
    public static final int FPU = 1, DE = 1 << 2, PSE = 1 << 3, TSC = 1 << 4, MSR = 1 << 5, PAE = 1 << 6,
            CX8 = 1 << 8, APIC = 1 << 9, SEP = 1 << 11, MTRR = 1 << 12, PGE = 1 << 13, CMOV = 1 << 15, PAT = 1 << 16,
            FXSR = 1 << 24;
    /** Leaf 1 EDX bit 28 (Intel's HTT): leaf 1's EBX[23:16] counts the package's logical-processor IDs. */
    public static final int HTT = 1 << 28;
    /** Leaf 0x80000007 EDX: the TSC runs at a constant rate in every power state. */
    public static final int INVARIANT_TSC = 1 << 8;
    /** Leaf 0x80000001 EDX: execute-disable. */
    public static final int NX = 1 << 20;
    /** Leaf 1 ECX bit 31: running under a hypervisor (its leaves are at 0x40000000). */
    public static final int HYPERVISOR = 1 << 31;

    /**
     * The leaves 0x40000000..0x4FFFFFFF a hypervisor presents to its guests (reserved for
     * software use by Intel and AMD): {@code out} is zeroed before the call, so a leaf the
     * hypervisor does not have reads all zeros.
     */
    @FunctionalInterface
    public interface HypervisorLeaves {
        void query(int leaf, int subleaf, int[] out);
    }

    private HypervisorLeaves hypervisor;

    private final int[][] basic = new int[0x20][];
    private final int[][] ext = new int[0x10][];
    private int maxBasic, maxExt;

    /** The default model (see class comment). */
    public CpuidModel() {
        setVendor("GenuineIntel");
        set(1, 0x000006F1, 0x00000800, 0,
                FPU | DE | PSE | TSC | MSR | PAE | CX8 | SEP | MTRR | PGE | CMOV | PAT | FXSR);
        set(2, 0x00000001, 0, 0, 0);
        set(0x80000000, 0x80000004, 0, 0, 0);
        set(0x80000001, 0, 0, 0, NX);
        setBrand("oxen virtual CPU");
    }

    /** Sets a leaf's EAX, EBX, ECX, EDX; leaves 0..0x1F and 0x80000000..0x8000000F. */
    public CpuidModel set(int leaf, int eax, int ebx, int ecx, int edx) {
        int[] v = {eax, ebx, ecx, edx};
        if (leaf >= 0 && leaf < 0x20) {
            basic[leaf] = v;
            if (leaf > maxBasic) {
                maxBasic = leaf;
                if (basic[0] != null) basic[0][0] = maxBasic;
            }
        } else if (leaf >= 0x80000000 && leaf < 0x80000010) {
            ext[leaf & 0xF] = v;
            if ((leaf & 0xF) > maxExt) {
                maxExt = leaf & 0xF;
                if (ext[0] != null) ext[0][0] = 0x80000000 | maxExt;
            }
        } else {
            throw new IllegalArgumentException("leaf out of range: " + Integer.toHexString(leaf));
        }
        return this;
    }

    /** The 12-character vendor string of leaf 0. */
    public CpuidModel setVendor(String vendor) {
        byte[] b = vendor.getBytes(StandardCharsets.US_ASCII);
        if (b.length != 12) throw new IllegalArgumentException("vendor must be 12 characters");
        set(0, Math.max(maxBasic, 2), le(b, 0), le(b, 8), le(b, 4));
        return this;
    }

    /** The brand string of leaves 0x80000002..4 (at most 47 characters). */
    public CpuidModel setBrand(String brand) {
        byte[] b = new byte[48];
        byte[] s = brand.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, b, 0, Math.min(47, s.length));
        for (int i = 0; i < 3; i++) {
            set(0x80000002 + i, le(b, 16 * i), le(b, 16 * i + 4), le(b, 16 * i + 8), le(b, 16 * i + 12));
        }
        return this;
    }

    /**
     * A local APIC at this CPU: leaf 1 EDX shows {@link #APIC} and EBX[31:24] its initial APIC
     * ID (the ID the board's local APIC gives this CPU). Without it (the default) an OS must not
     * use an APIC, as Linux's "Local APIC disabled by BIOS" says.
     */
    public CpuidModel setLocalApic(int apicId) {
        if (apicId < 0 || apicId > 0xFF) throw new IllegalArgumentException("APIC ID out of range: " + apicId);
        basic[1][1] = (basic[1][1] & 0x00FFFFFF) | apicId << 24;
        basic[1][3] |= APIC;
        return this;
    }

    /**
     * This CPU shares one package with {@code cpuCount - 1} others (the APIC IDs 0..n-1): leaf 1
     * shows {@link #HTT} and in EBX[23:16] the package's addressable logical IDs, the count
     * rounded up to a power of two, as an OS reads it without leaves 4 and 0xB (which this model
     * cannot answer per subleaf), so Linux's {@code detect_ht} puts all of them in package 0 and
     * takes a second CPU's delay-loop calibration from its package sibling (constant TSC)
     * instead of timing it against jiffies. One CPU (the default) has no package to share:
     * HTT clear, the count 0.
     */
    public CpuidModel setPackageCpus(int cpuCount) {
        if (cpuCount < 1 || cpuCount > 0x80) throw new IllegalArgumentException("package CPU count out of range: " + cpuCount);
        int ids = cpuCount == 1 ? 0 : Integer.highestOneBit(cpuCount - 1) << 1;
        basic[1][1] = (basic[1][1] & 0xFF00FFFF) | ids << 16;
        basic[1][3] = cpuCount == 1 ? basic[1][3] & ~HTT : basic[1][3] | HTT;
        return this;
    }

    /**
     * The time-stamp counter's and the core crystal clock's frequencies, as Intel's leaves 0x15
     * (TSC/crystal ratio EBX/EAX and the crystal in Hz in ECX) and 0x16 (base and maximum MHz,
     * bus MHz) state them. An OS reads its TSC frequency here instead of timing the TSC against
     * the PIT (which fails when the host runs the guest slowly or unevenly), and Linux takes
     * the crystal as its local APIC timer's clock: pass the local APIC's timer clock.
     */
    public CpuidModel setTscFrequency(long tscHz, long crystalHz) {
        if (tscHz <= 0 || crystalHz <= 0 || crystalHz > 0xFFFFFFFFL || tscHz / crystalHz > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("TSC " + tscHz + " Hz, crystal " + crystalHz + " Hz: not expressible in leaf 0x15");
        }
        long g = gcd(tscHz, crystalHz);
        long num = tscHz / g, den = crystalHz / g;
        while (num > 0xFFFFFFFFL || den > 0xFFFFFFFFL) {
            num >>= 1;
            den >>= 1;
        }
        set(0x15, (int) den, (int) num, (int) crystalHz, 0);
        int mhz = (int) Math.min(0xFFFF, tscHz / 1_000_000);
        set(0x16, mhz, mhz, (int) Math.min(0xFFFF, crystalHz / 1_000_000), 0);
        set(0x80000007, 0, 0, 0, INVARIANT_TSC);
        return this;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** Leaf 1 EDX feature bits. */
    public int features() {
        return basic[1][3];
    }

    public CpuidModel setFeatures(int edx) {
        basic[1][3] = edx;
        return this;
    }

    private static int le(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
    }

    /**
     * A hypervisor's leaves (null: none, leaves 0x40000000.. then read as the highest basic leaf
     * as on Intel hardware); with them leaf 1 shows {@link #HYPERVISOR}.
     */
    public CpuidModel setHypervisorLeaves(HypervisorLeaves leaves) {
        hypervisor = leaves;
        basic[1][2] = leaves != null ? basic[1][2] | HYPERVISOR : basic[1][2] & ~HYPERVISOR;
        return this;
    }

    /** Writes the four result registers of CPUID(leaf, subleaf) into {@code out[0..3]}. */
    public void query(int leaf, int subleaf, int[] out) {
        HypervisorLeaves h = hypervisor;
        if (h != null && leaf >= 0x40000000 && leaf < 0x50000000) {
            out[0] = out[1] = out[2] = out[3] = 0;
            h.query(leaf, subleaf, out);
            return;
        }
        int[] v;
        if (leaf < 0) {
            int i = leaf & 0x7FFFFFFF;
            v = i <= maxExt && i < 0x10 ? ext[i] : basic[maxBasic];
        } else {
            v = leaf <= maxBasic ? basic[leaf] : basic[maxBasic];
        }
        if (v == null) {
            out[0] = out[1] = out[2] = out[3] = 0;
        } else {
            System.arraycopy(v, 0, out, 0, 4);
        }
    }
}
