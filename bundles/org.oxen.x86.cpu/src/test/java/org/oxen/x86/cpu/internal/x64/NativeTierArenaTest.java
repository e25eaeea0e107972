package org.oxen.x86.cpu.internal.x64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * A CPU's code arena: regions go in one after another, sealed, until one does not fit; the
 * owner then flushes it whole (the generation moves: code compiled before is stale) and it is
 * filled again from the bottom, never growing. Each function put in is called through
 * {@code NativeCode.call} and returns its own number, also after a flush overwrote older code.
 */
class NativeTierArenaTest {

    /** {@code mov eax, n; ret} padded to {@code bytes} with INT3. */
    static byte[] function(int n, int bytes) {
        byte[] b = new byte[bytes];
        java.util.Arrays.fill(b, (byte) 0xCC);
        b[0] = (byte) 0xB8;
        b[1] = (byte) n;
        b[2] = (byte) (n >>> 8);
        b[3] = (byte) (n >>> 16);
        b[4] = (byte) (n >>> 24);
        b[5] = (byte) 0xC3;
        return b;
    }

    @Test
    void aFullArenaIsFlushedWholeAndFilledAgain() {
        assumeTrue(NativeTier.available());
        Object owner = new Object();
        NativeTier t = new NativeTier(owner, 2 * 4096);
        int gen = t.generation();
        long[] at = new long[64];
        int n = 0;
        for (;; n++) {
            long a = t.install(function(n, 500)); // 512 bytes apart (cache-line aligned): 16 fit in two pages
            if (a == 0) break;
            at[n] = a;
            assertEquals(n, t.call(a), "function " + n);
        }
        assertEquals(16, n, "functions in an 8 KiB arena");
        for (int i = 0; i < n; i++) assertEquals(i, t.call(at[i]), "every function still there");
        t.flushCode();
        assertNotEquals(gen, t.generation(), "code compiled before the flush is stale");
        assertEquals(1, t.codeFlushes());
        long again = t.install(function(1000, 500));
        assertEquals(at[0], again, "filled again from the bottom");
        assertEquals(1000, t.call(again));
        assertTrue(t.install(new byte[3 * 4096]) == 0, "code larger than the arena never fits");
    }

    /**
     * A CPU's own arena holds the code a stock Linux boot to its prompt compiles (7,339 regions,
     * 20.9 MB, docs/PERFORMANCE.md "Arrivals counted: a Linux boot in native code") without a
     * flush, and is resident only as far as code was written: its pages present in
     * /proc/self/pagemap are one after the first region and the code's size after the last.
     */
    @Test
    void theDefaultArenaHoldsALinuxBootsCodeAndIsResidentAsWritten() throws Exception {
        assumeTrue(NativeTier.available());
        Object owner = new Object(); // the arena is unmapped when its owner is unreachable
        NativeTier t = new NativeTier(owner);
        int regions = 7_339, bytes = 2_843;
        long first = t.install(function(0, bytes));
        assertTrue(first != 0);
        assertTrue(residentKiB(first) <= 8, "resident after one region: " + residentKiB(first) + " KiB");
        long last = 0;
        for (int n = 1; n < regions; n++) {
            last = t.install(function(n, bytes));
            assertTrue(last != 0, "region " + n + " of " + regions + " did not fit: the arena would be flushed");
        }
        assertEquals(0, t.call(first));
        assertEquals(regions - 1, t.call(last));
        long kib = residentKiB(first), code = (last + bytes - first) >> 10;
        assertTrue(kib >= code - 4 && kib <= code + 8, "resident " + kib + " KiB for " + code + " KiB of code");
        java.lang.ref.Reference.reachabilityFence(owner);
    }

    /** The resident KiB of the arena at {@code arena}: its pages present in /proc/self/pagemap (bit 63). */
    private static long residentKiB(long arena) throws java.io.IOException {
        int pages = NativeTier.ARENA_BYTES / 4096;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * pages).order(java.nio.ByteOrder.nativeOrder());
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(java.nio.file.Path.of("/proc/self/pagemap"))) {
            long at = (arena >>> 12) * 8;
            while (b.hasRemaining() && f.read(b, at + b.position()) > 0) {
                // read on
            }
        }
        long present = 0;
        for (int p = 0; p < pages; p++) if (b.getLong(8 * p) < 0) present++;
        return present * 4;
    }
}
