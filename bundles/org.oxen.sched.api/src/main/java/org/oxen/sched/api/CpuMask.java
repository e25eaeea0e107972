package org.oxen.sched.api;

import java.util.Arrays;

/**
 * An immutable set of pCPU ids (Xen's {@code cpumask_t}): a pool's processors, a vcpu's hard
 * affinity. Iterate with {@code for (int c = m.first(); c >= 0; c = m.next(c))}.
 */
public final class CpuMask {

    private static final CpuMask EMPTY = new CpuMask(new long[0]);

    private final long[] words;

    private CpuMask(long[] words) {
        this.words = words;
    }

    public static CpuMask of(int... cpus) {
        int max = -1;
        for (int c : cpus) {
            if (c < 0) {
                throw new IllegalArgumentException("negative cpu " + c);
            }
            max = Math.max(max, c);
        }
        long[] w = new long[(max >> 6) + 1];
        for (int c : cpus) {
            w[c >> 6] |= 1L << c;
        }
        return new CpuMask(w);
    }

    /** {@code [0, n)}. */
    public static CpuMask range(int n) {
        long[] w = new long[(n + 63) >> 6];
        for (int c = 0; c < n; c++) {
            w[c >> 6] |= 1L << c;
        }
        return new CpuMask(w);
    }

    /** Every cpu: the default hard affinity. */
    public static CpuMask all() {
        return ALL;
    }

    private static final CpuMask ALL = range(4096);

    public static CpuMask empty() {
        return EMPTY;
    }

    public boolean contains(int cpu) {
        int i = cpu >> 6;
        return cpu >= 0 && i < words.length && (words[i] & (1L << cpu)) != 0;
    }

    /** The lowest cpu, or -1. */
    public int first() {
        return next(-1);
    }

    /** The lowest cpu greater than {@code cpu}, or -1. */
    public int next(int cpu) {
        int c = cpu + 1;
        int i = c >> 6;
        if (i >= words.length) {
            return -1;
        }
        long w = words[i] & (-1L << c);
        while (true) {
            if (w != 0) {
                return (i << 6) + Long.numberOfTrailingZeros(w);
            }
            if (++i >= words.length) {
                return -1;
            }
            w = words[i];
        }
    }

    /** The next cpu after {@code cpu}, wrapping around (Xen's {@code cpumask_cycle}); -1 if empty. */
    public int cycle(int cpu) {
        int n = next(cpu);
        return n >= 0 ? n : first();
    }

    /** The highest cpu, or -1. */
    public int last() {
        for (int i = words.length - 1; i >= 0; i--) {
            if (words[i] != 0) {
                return (i << 6) + 63 - Long.numberOfLeadingZeros(words[i]);
            }
        }
        return -1;
    }

    public int cardinality() {
        int n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    public boolean isEmpty() {
        return first() < 0;
    }

    public CpuMask and(CpuMask other) {
        long[] w = new long[Math.min(words.length, other.words.length)];
        for (int i = 0; i < w.length; i++) {
            w[i] = words[i] & other.words[i];
        }
        return new CpuMask(w);
    }

    /** Whether this and {@code other} share a cpu, without allocating. */
    public boolean intersects(CpuMask other) {
        int n = Math.min(words.length, other.words.length);
        for (int i = 0; i < n; i++) {
            if ((words[i] & other.words[i]) != 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CpuMask)) {
            return false;
        }
        CpuMask m = (CpuMask) o;
        int n = Math.max(words.length, m.words.length);
        for (int i = 0; i < n; i++) {
            long a = i < words.length ? words[i] : 0;
            long b = i < m.words.length ? m.words[i] : 0;
            if (a != b) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int n = words.length;
        while (n > 0 && words[n - 1] == 0) {
            n--;
        }
        return Arrays.hashCode(Arrays.copyOf(words, n));
    }

    /** Xen's list form, e.g. {@code 0-3,6}. */
    @Override
    public String toString() {
        if (this == ALL) {
            return "all";
        }
        StringBuilder sb = new StringBuilder();
        for (int c = first(); c >= 0;) {
            int end = c;
            while (contains(end + 1)) {
                end++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(c);
            if (end > c) {
                sb.append('-').append(end);
            }
            c = next(end);
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
