package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.RecordDecoder.K_CALL;
import static org.oxen.x86.cpu.internal.RecordDecoder.K_JMP;
import static org.oxen.x86.cpu.internal.RecordDecoder.K_RET;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which decoded records of one code frame a region holds: straight-line blocks found from the
 * hot entry by following fall-through, branch and call targets inside the frame, as far as
 * records exist and their bytes still match memory. A block ends at a control transfer, before
 * an offset with no usable record (the region exits there) or at the size caps, which keep the
 * translated method well under the JIT's huge-method limit.
 */
final class RegionPlan {

    /**
     * Caps per region: instructions (64 measured best on x86bench mix among 32..160: a larger
     * method exhausts C2's inlining budget for the memory accessors, and near 160 it can reach
     * the 8000-byte huge-method limit, where it is not compiled at all), blocks, instructions per
     * block.
     */
    static final int MAX_INSNS = 64, MAX_BLOCKS = 48, MAX_BLOCK = 40;

    /** A straight-line run of records: {@code ri[i]} at frame offset {@code at[i]}. */
    static final class Block {
        final int off;
        final int[] ri = new int[MAX_BLOCK];
        final int[] at = new int[MAX_BLOCK];
        int n;
        /** The offset after the last instruction (the fall-through successor). */
        int end;
        /** The last record is a branch, call or return. */
        boolean control;

        Block(int off) {
            this.off = off;
        }
    }

    /** Blocks by entry offset, the region's entry first (emission order). */
    final Map<Integer, Block> blocks = new LinkedHashMap<>();
    private final CodePage cp;
    private final byte[] arr;
    private final int pb;
    private final ArrayDeque<Block> work = new ArrayDeque<>();
    private final int maxInsns;
    private int total;
    /** Branches and fall-throughs that arrive at a block already in the plan (loops, joins). */
    private int revisits;

    private RegionPlan(CodePage cp, byte[] arr, int pb, int maxInsns) {
        this.cp = cp;
        this.arr = arr;
        this.pb = pb;
        this.maxInsns = maxInsns;
    }

    /**
     * The plan of the region entered at frame offset {@code entry} of {@code cp}, whose bytes are
     * {@code arr[pb + offset]}, of at most {@code maxInsns} instructions; null if no record is usable there or the region would be a short
     * straight run shorter than {@code shortestStraight} instructions (a short run that leaves at
     * once, e.g. three instructions before an INT 0x82, costs more in region entry and exit than
     * it saves, and stays with the decoded-record loop; {@link org.oxen.x86.cpu.CpuOptions}).
     */
    static RegionPlan of(CodePage cp, byte[] arr, int pb, int entry, int maxInsns, int shortestStraight) {
        RegionPlan p = new RegionPlan(cp, arr, pb, maxInsns);
        if (!p.want(entry)) return null;
        while (!p.work.isEmpty()) p.fill(p.work.poll());
        return p.revisits > 0 || p.total >= shortestStraight ? p : null;
    }

    /** The record ends a block: its form transfers control ({@link Forms#BRANCH}). */
    private boolean isControl(int ri) {
        return (Forms.ATTR[cp.rec[CodePage.REC_WORDS * ri + CodePage.R_FORM]] & Forms.BRANCH) != 0;
    }

    /** The instructions of all blocks: the longest run through the region that repeats no block. */
    int total() {
        return total;
    }

    /**
     * Which blocks (in emission order) must check the budget: the entry and every block a jump or
     * fall-through reaches from a later block; a block that reaches itself ({@link #loopsToItself})
     * has a loop copy that checks. Every cycle of blocks holds such an edge (from its last block
     * in emission order), so a run from one check to the next repeats no block and retires at
     * most {@link #total} instructions.
     */
    boolean[] checkPoints() {
        Map<Integer, Integer> index = new HashMap<>();
        for (Block b : blocks.values()) index.put(b.off, index.size());
        boolean[] out = new boolean[blocks.size()];
        if (out.length > 0) out[0] = true;
        int bi = 0;
        for (Block b : blocks.values()) {
            for (int t : successors(b)) {
                Integer ti = index.get(t);
                // a block's jump to itself goes to its loop copy, which always checks
                if (ti != null && ti < bi) out[ti] = true;
            }
            bi++;
        }
        return out;
    }

    /** Block {@code b} jumps (or falls through) to its own start: a one-block loop. */
    boolean loopsToItself(Block b) {
        for (int t : successors(b)) if (t == b.off) return true;
        return false;
    }

    /** The frame offsets block {@code b} continues at (in the plan or not). */
    private int[] successors(Block b) {
        if (b.n == 0) return new int[0];
        if (!b.control) return new int[] {b.end};
        int rb = CodePage.REC_WORDS * b.ri[b.n - 1];
        int kind = CodePage.kind(cp.rec[rb + CodePage.R_OP]);
        int target = b.end + cp.rec[rb + CodePage.R_IMM];
        if (kind == K_RET) return new int[0];
        if (kind == K_JMP || kind == K_CALL) return new int[] {target};
        return new int[] {b.end, target};
    }

    /** Frame bytes [from, to) as they are now (at most 8, little-endian). */
    long bytes(int from, int to) {
        long w = (long) Mmu.I64.get(arr, pb + from);
        return to - from >= 8 ? w : w & (-1L >>> (64 - 8 * (to - from)));
    }

    /** The frame ranges [from, to) the blocks cover, merged, ascending, as pairs (the region's code check). */
    int[] codeRanges() {
        int[] pairs = new int[2 * blocks.size()];
        int n = 0;
        for (Block b : blocks.values()) {
            pairs[n++] = b.off;
            pairs[n++] = b.end;
        }
        return mergeRanges(pairs);
    }

    /** Ranges [from, to) given as pairs, empty ones left out, sorted and merged where they touch or overlap. */
    static int[] mergeRanges(int[] pairs) {
        int[][] bs = new int[pairs.length / 2][];
        for (int i = 0; i < bs.length; i++) bs[i] = new int[] {pairs[2 * i], pairs[2 * i + 1]};
        Arrays.sort(bs, (x, y) -> Integer.compare(x[0], y[0]));
        int[] out = new int[pairs.length];
        int m = 0;
        for (int[] r : bs) {
            if (r[1] <= r[0]) continue;
            if (m > 0 && r[0] <= out[m - 1]) {
                out[m - 1] = Math.max(out[m - 1], r[1]);
            } else {
                out[m++] = r[0];
                out[m++] = r[1];
            }
        }
        return Arrays.copyOf(out, m);
    }

    /** The frame's bytes in {@code ranges} (from {@link #codeRanges}) as they are now, one range after another. */
    byte[] code(int[] ranges) {
        return bytesOf(arr, pb, ranges);
    }

    /** The bytes of {@code ranges} of the frame at {@code arr[pb..]}, one range after another. */
    static byte[] bytesOf(byte[] arr, int pb, int[] ranges) {
        int n = 0;
        for (int i = 0; i < ranges.length; i += 2) n += ranges[i + 1] - ranges[i];
        byte[] out = new byte[n];
        for (int i = 0, at = 0; i < ranges.length; i += 2) {
            System.arraycopy(arr, pb + ranges[i], out, at, ranges[i + 1] - ranges[i]);
            at += ranges[i + 1] - ranges[i];
        }
        return out;
    }

    private void fill(Block bl) {
        int k = bl.off;
        for (;;) {
            if (bl.n == MAX_BLOCK || total >= maxInsns || !usable(k)) {
                bl.end = k;
                want(k);
                return;
            }
            int ri = cp.at[k];
            int opw = cp.rec[CodePage.REC_WORDS * ri + CodePage.R_OP];
            bl.ri[bl.n] = ri;
            bl.at[bl.n] = k;
            bl.n++;
            total++;
            k += CodePage.length(opw);
            int kind = CodePage.kind(opw);
            if (isControl(ri)) {
                bl.end = k;
                bl.control = true;
                if (kind != K_RET) {
                    want(k + cp.rec[CodePage.REC_WORDS * ri + CodePage.R_IMM]);
                    if (kind != K_JMP && kind != K_CALL) want(k);
                }
                return;
            }
        }
    }

    /** Adds a block at {@code k} if it can start one; true if there is a block there now. */
    private boolean want(int k) {
        if (blocks.containsKey(k)) {
            revisits++;
            return true;
        }
        if (blocks.size() >= MAX_BLOCKS || total >= maxInsns || !usable(k)) return false;
        Block b = new Block(k);
        blocks.put(k, b);
        work.add(b);
        return true;
    }

    /** A record exists at offset k, is cacheable and its bytes match memory now. */
    private boolean usable(int k) {
        if (k < 0 || k >= 4096) return false;
        int ri = cp.at[k];
        if (ri < 2) return false;
        int len = CodePage.length(cp.rec[CodePage.REC_WORDS * ri + CodePage.R_OP]);
        return len != 0 && bytes(k, k + len) == cp.raw[ri];
    }
}
