package org.oxen.x86.cpu.internal;

import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Translated regions shared by every CPU in the JVM: the hidden class of a region is a pure
 * function of its plan (blocks, their records and code bytes), so a CPU that plans the same
 * region again (another vcpu or domain running the same kernel, a CPU created anew) takes the
 * class already defined, and already compiled by the JIT, instead of generating and loading a
 * new one. Each CPU still gets its own {@link Region} instance.
 *
 * <p>The key holds everything {@link RegionCompiler} reads: each block's offset, length, end and
 * control flag, each instruction's offset and record words, and the code bytes the region
 * compares. Classes are held weakly: a class no CPU's region uses any more can be unloaded, and
 * its entry goes at the next purge.
 *
 * <p>Locking: a {@link ConcurrentHashMap}; a race between two CPUs defining the same region
 * leaves one class in the map, the other used only by its own CPU.
 */
final class SharedRegions {

    private static final ConcurrentHashMap<Key, WeakReference<Class<?>>> CLASSES = new ConcurrentHashMap<>();
    /** Entries at which cleared references are purged (then twice the live count). */
    private static volatile int purgeAt = 1024;

    private SharedRegions() {
    }

    /** A region's plan as data: equal keys compile to equal bytecode. */
    static final class Key {
        private final int[] words;
        private final int hash;

        Key(int[] words) {
            this.words = words;
            this.hash = Arrays.hashCode(words);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.words, words);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    static Key key(RegionPlan plan, CodePage cp, boolean flatZero, boolean slowPathExits) {
        int n = 1;
        for (RegionPlan.Block b : plan.blocks.values()) n += 4 + 6 * b.n + 2 * ((b.end - b.off + 7) / 8);
        int[] w = new int[n];
        int i = 0;
        // compiled for flat zero-based DS and SS (leaving or calling on slow paths), or for any
        w[i++] = flatZero ? slowPathExits ? 1 : 2 : 0;
        for (RegionPlan.Block b : plan.blocks.values()) {
            w[i++] = b.off;
            w[i++] = b.n;
            w[i++] = b.end;
            w[i++] = b.control ? 1 : 0;
            for (int j = 0; j < b.n; j++) {
                int rb = CodePage.REC_WORDS * b.ri[j];
                w[i++] = b.at[j];
                w[i++] = cp.rec[rb + CodePage.R_OP];
                w[i++] = cp.rec[rb + CodePage.R_ADDR];
                w[i++] = cp.rec[rb + CodePage.R_DISP];
                w[i++] = cp.rec[rb + CodePage.R_IMM];
                w[i++] = cp.rec[rb + CodePage.R_FORM];
            }
            for (int c = b.off; c < b.end; c += 8) {
                long v = plan.bytes(c, Math.min(c + 8, b.end));
                w[i++] = (int) v;
                w[i++] = (int) (v >>> 32);
            }
        }
        return new Key(w);
    }

    /** The class compiled for {@code key}, or null. */
    static Class<?> get(Key key) {
        WeakReference<Class<?>> ref = CLASSES.get(key);
        return ref == null ? null : ref.get();
    }

    static void put(Key key, Class<?> cls) {
        CLASSES.put(key, new WeakReference<>(cls));
        if (CLASSES.size() >= purgeAt) {
            CLASSES.values().removeIf(r -> r.get() == null);
            purgeAt = Math.max(1024, 2 * CLASSES.size());
        }
    }
}
