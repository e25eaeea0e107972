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

    private final int[][] basic = new int[0x10][];
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

    /** Sets a leaf's EAX, EBX, ECX, EDX; leaves 0..0xF and 0x80000000..0x8000000F. */
    public CpuidModel set(int leaf, int eax, int ebx, int ecx, int edx) {
        int[] v = {eax, ebx, ecx, edx};
        if (leaf >= 0 && leaf < 0x10) {
            basic[leaf] = v;
            if (leaf > maxBasic) {
                maxBasic = leaf;
                if (basic[0] != null) basic[0][0] = maxBasic;
            }
        } else if (leaf >= 0x80000000 && leaf < 0x80000010) {
            ext[leaf & 0xF] = v;
            if ((leaf & 0xF) > maxExt) maxExt = leaf & 0xF;
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
