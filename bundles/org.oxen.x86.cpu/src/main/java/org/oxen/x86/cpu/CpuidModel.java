package org.oxen.x86.cpu;

import java.nio.charset.StandardCharsets;

/**
 * The CPUID leaves a CPU reports. Mutable until handed to a CPU; the CPU reads it on every
 * CPUID (rare), so later changes take effect at once. Leaves 4 and 0xB are answered per subleaf
 * once the owner gives the package's topology ({@link #setPackageTopology}). Unknown leaves above the maximum return
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

    /** Leaf 4's cache types (EAX[4:0]). */
    static final int CACHE_DATA = 1, CACHE_INSTRUCTION = 2, CACHE_UNIFIED = 3;
    /** Leaf 0xB's level types (ECX[15:8]). */
    static final int LEVEL_INVALID = 0, LEVEL_SMT = 1, LEVEL_CORE = 2;

    /**
     * The caches leaf 4 describes, one row per subleaf: type, level, line size, ways, sets,
     * shared by the whole package (else by one core's threads), EDX (bit 0: WBINVD of this
     * cache is not guaranteed to act on other threads' lower caches, bit 1: inclusive, bit 2:
     * complex indexing). QEMU's Intel defaults: 32 KiB 8-way L1 data and instruction caches
     * and a 4 MiB 16-way L2 per core, a 16 MiB 16-way L3 per package.
     */
    private static final int[][] CACHES = {
        {CACHE_DATA, 1, 64, 8, 64, 0, 1},
        {CACHE_INSTRUCTION, 1, 64, 8, 64, 0, 1},
        {CACHE_UNIFIED, 2, 64, 16, 4096, 0, 1},
        {CACHE_UNIFIED, 3, 64, 16, 16384, 1, 6},
    };

    /** The package's cores and threads per core (0 cores: no topology given, leaves 4 and 0xB absent). */
    private int cores, threadsPerCore = 1;
    /** The initial APIC ID ({@link #setLocalApic}): leaf 0xB's EDX. */
    private int apicId;

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
        this.apicId = apicId;
        return this;
    }

    /**
     * This CPU shares one package with {@code cpuCount - 1} others, each a core of its own
     * ({@link #setPackageTopology setPackageTopology(cpuCount, 1)}): Linux then reads cores of one
     * package ("cpu cores" and "siblings" both {@code cpuCount}), takes a second CPU's
     * delay-loop calibration from its package sibling (constant TSC) instead of timing it
     * against jiffies, and shares the L3 among them.
     */
    public CpuidModel setPackageCpus(int cpuCount) {
        return setPackageTopology(cpuCount, 1);
    }

    /**
     * This CPU is one of {@code cores} cores of {@code threadsPerCore} threads each in one
     * package, whose initial APIC IDs are {@code core << smtBits | thread} (smtBits = log2 of
     * {@code threadsPerCore}, a power of two; for one thread per core: the IDs 0..cores-1 the
     * board and the VMM give), as the leaves read them, consistently (Intel SDM vol. 2A, CPUID;
     * QEMU's {@code cpu_x86_cpuid}):
     * <ul>
     * <li>leaf 1: {@link #HTT} when the package has more than one logical processor, and in
     *     EBX[23:16] its addressable logical IDs, {@code 1 << (smtBits + coreBits)};
     * <li>leaf 4, per subleaf: the L1 data and instruction caches and the L2 of each core
     *     (shared by its threads), the L3 of the package (shared by all), then a null type;
     *     EAX[25:14] the addressable IDs sharing each, EAX[31:26] the addressable core IDs less
     *     one;
     * <li>leaf 0xB, per subleaf: the SMT level (shift smtBits, {@code threadsPerCore} logical
     *     processors), the core level (shift to the package ID, all of the package's), then an
     *     invalid level; EDX the x2APIC ID (the local APIC's, {@link #setLocalApic}).
     * </ul>
     * One core of one thread (one CPU) has no package to share: HTT clear, leaf 1's count 0.
     */
    public CpuidModel setPackageTopology(int cores, int threadsPerCore) {
        if (cores < 1 || threadsPerCore < 1 || Integer.bitCount(threadsPerCore) != 1
                || (long) cores * threadsPerCore > 0x80 || (1 << idBits(cores) + idBits(threadsPerCore)) > 0x80) {
            throw new IllegalArgumentException("package topology out of range: " + cores + " cores of "
                    + threadsPerCore + " threads (threads a power of two, at most 128 addressable IDs)");
        }
        this.cores = cores;
        this.threadsPerCore = threadsPerCore;
        int shift = packageShift();
        boolean shared = cores * threadsPerCore > 1;
        basic[1][1] = (basic[1][1] & 0xFF00FFFF) | (shared ? 1 << shift : 0) << 16;
        basic[1][3] = shared ? basic[1][3] | HTT : basic[1][3] & ~HTT;
        if (basic[4] == null) {
            set(4, 0, 0, 0, 0); // answered per subleaf by query; present so the maximum leaf covers it
        }
        if (basic[0xB] == null) {
            set(0xB, 0, 0, 0, 0);
        }
        return this;
    }

    /** The bits an ID of {@code n} values needs: ceil(log2(n)). */
    private static int idBits(int n) {
        return 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    /** The APIC ID's shift to the package ID: the SMT bits and the core bits. */
    private int packageShift() {
        return idBits(threadsPerCore) + idBits(cores);
    }

    /** Leaf 4, subleaf {@code index}: the deterministic cache parameters. */
    private void cacheLeaf(int index, int[] out) {
        if (index < 0 || index >= CACHES.length) {
            out[0] = out[1] = out[2] = out[3] = 0;
            return;
        }
        int[] c = CACHES[index];
        int sharing = c[5] == 1 ? 1 << packageShift() : 1 << idBits(threadsPerCore);
        out[0] = c[0] | c[1] << 5 | 1 << 8 | (sharing - 1) << 14 | ((1 << idBits(cores)) - 1) << 26;
        out[1] = (c[2] - 1) | (c[3] - 1) << 22; // line size, one partition, ways
        out[2] = c[4] - 1;
        out[3] = c[6];
    }

    /** Leaf 0xB, subleaf {@code level}: the x2APIC topology. */
    private void topologyLeaf(int level, int[] out) {
        out[2] = level & 0xFF;
        out[3] = apicId;
        if (level == 0) {
            out[0] = idBits(threadsPerCore);
            out[1] = threadsPerCore;
            out[2] |= LEVEL_SMT << 8;
        } else if (level == 1) {
            out[0] = packageShift();
            out[1] = cores * threadsPerCore;
            out[2] |= LEVEL_CORE << 8;
        } else {
            out[0] = out[1] = 0;
            out[2] |= LEVEL_INVALID << 8;
        }
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
        if (cores > 0 && leaf <= maxBasic) {
            if (leaf == 4) {
                cacheLeaf(subleaf, out);
                return;
            }
            if (leaf == 0xB) {
                topologyLeaf(subleaf, out);
                return;
            }
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
