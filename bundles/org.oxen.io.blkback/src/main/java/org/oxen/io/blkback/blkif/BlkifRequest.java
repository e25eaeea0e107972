package org.oxen.io.blkback.blkif;

import static org.oxen.io.blkback.blkif.Blkif.*;

/**
 * One blkif request decoded from a private copy of its ring slot (x86_32 layout), into an
 * object reused for every request (no allocation per request). Decoding reads only what the
 * operation's layout holds and checks nothing: the backend validates. Segments of a direct
 * request are read from the slot only when their count is within
 * {@link Blkif#MAX_SEGMENTS_PER_REQUEST}; an indirect request's segments come from its
 * indirect pages through {@link #setSegment}.
 *
 * <p>The static {@code encode*} methods are a frontend's side: they write a request into a slot
 * buffer.
 */
public final class BlkifRequest {

    private int operation;
    private int nrSegments;
    private int handle;
    private long id;
    private long sector;
    // discard
    private int discardFlag;
    private long discardSectors;
    // indirect
    private int indirectOp;
    private final int[] indirectGrefs = new int[MAX_INDIRECT_PAGES_PER_REQUEST];
    // segments (direct, or read from indirect pages)
    private final int[] grefs;
    private final byte[] first;
    private final byte[] last;

    /** @param maxSegments the most segments a request may carry (11, or the indirect limit) */
    public BlkifRequest(int maxSegments) {
        int n = Math.max(maxSegments, MAX_SEGMENTS_PER_REQUEST);
        grefs = new int[n];
        first = new byte[n];
        last = new byte[n];
    }

    /** Decodes the request in {@code slot} (a private copy of {@link Blkif#REQUEST_SIZE} bytes). */
    public void decode(byte[] slot) {
        operation = u8(slot, REQ_OPERATION);
        id = i64(slot, REQ_ID);
        sector = i64(slot, REQ_SECTOR);
        switch (operation) {
            case OP_DISCARD -> {
                nrSegments = 0;
                discardFlag = u8(slot, DISCARD_FLAG);
                handle = u16(slot, DISCARD_HANDLE);
                discardSectors = i64(slot, DISCARD_NR_SECTORS);
            }
            case OP_INDIRECT -> {
                indirectOp = u8(slot, INDIRECT_OP);
                nrSegments = u16(slot, INDIRECT_NR_SEGMENTS);
                handle = u16(slot, INDIRECT_HANDLE);
                for (int i = 0; i < MAX_INDIRECT_PAGES_PER_REQUEST; i++) {
                    indirectGrefs[i] = i32(slot, INDIRECT_GREFS + 4 * i);
                }
            }
            default -> {
                nrSegments = u8(slot, REQ_NR_SEGMENTS);
                handle = u16(slot, REQ_HANDLE);
                int n = Math.min(nrSegments, MAX_SEGMENTS_PER_REQUEST);
                for (int i = 0; i < n; i++) {
                    int s = REQ_SEGMENTS + SEGMENT_SIZE * i;
                    grefs[i] = i32(slot, s + SEG_GREF);
                    first[i] = slot[s + SEG_FIRST_SECT];
                    last[i] = slot[s + SEG_LAST_SECT];
                }
            }
        }
    }

    /** Sets segment {@code i} (read from an indirect page: {@code page} at byte {@code off}). */
    public void setSegment(int i, byte[] page, int off) {
        grefs[i] = i32(page, off + SEG_GREF);
        first[i] = page[off + SEG_FIRST_SECT];
        last[i] = page[off + SEG_LAST_SECT];
    }

    public int operation() {
        return operation;
    }

    /** The data operation: the request's, or an indirect request's {@code indirect_op}. */
    public int dataOperation() {
        return operation == OP_INDIRECT ? indirectOp : operation;
    }

    /** Segments claimed (u8 for direct requests, u16 for indirect ones). */
    public int nrSegments() {
        return nrSegments;
    }

    public int handle() {
        return handle;
    }

    public long id() {
        return id;
    }

    /** The first 512-byte sector (unsigned). */
    public long sector() {
        return sector;
    }

    public int discardFlag() {
        return discardFlag;
    }

    /** A discard's sector count (unsigned). */
    public long discardSectors() {
        return discardSectors;
    }

    public int indirectOp() {
        return indirectOp;
    }

    /** Indirect pages the segments need: ceil(nrSegments / 512). */
    public int indirectPages() {
        return (nrSegments + SEGMENTS_PER_INDIRECT_FRAME - 1) / SEGMENTS_PER_INDIRECT_FRAME;
    }

    public int indirectGref(int i) {
        return indirectGrefs[i];
    }

    public int gref(int i) {
        return grefs[i];
    }

    public int firstSect(int i) {
        return first[i] & 0xFF;
    }

    public int lastSect(int i) {
        return last[i] & 0xFF;
    }

    /** The most segments this object holds. */
    public int capacity() {
        return grefs.length;
    }

    // ---- a frontend's side

    /** A read, write, barrier or flush with {@code n} (≤ 11) segments into {@code slot}. */
    public static void encodeDirect(byte[] slot, int op, int handle, long id, long sector, int n, int[] grefs,
            int[] firstSects, int[] lastSects) {
        java.util.Arrays.fill(slot, 0, REQUEST_SIZE, (byte) 0);
        put8(slot, REQ_OPERATION, op);
        put8(slot, REQ_NR_SEGMENTS, n);
        put16(slot, REQ_HANDLE, handle);
        put64(slot, REQ_ID, id);
        put64(slot, REQ_SECTOR, sector);
        for (int i = 0; i < n; i++) {
            int s = REQ_SEGMENTS + SEGMENT_SIZE * i;
            put32(slot, s + SEG_GREF, grefs[i]);
            put8(slot, s + SEG_FIRST_SECT, firstSects[i]);
            put8(slot, s + SEG_LAST_SECT, lastSects[i]);
        }
    }

    /** A discard of {@code nrSectors} from {@code sector} into {@code slot}. */
    public static void encodeDiscard(byte[] slot, int handle, long id, long sector, long nrSectors, int flag) {
        java.util.Arrays.fill(slot, 0, REQUEST_SIZE, (byte) 0);
        put8(slot, REQ_OPERATION, OP_DISCARD);
        put8(slot, DISCARD_FLAG, flag);
        put16(slot, DISCARD_HANDLE, handle);
        put64(slot, REQ_ID, id);
        put64(slot, REQ_SECTOR, sector);
        put64(slot, DISCARD_NR_SECTORS, nrSectors);
    }

    /** An indirect read or write whose {@code nrSegments} segments sit in the pages {@code indirectGrefs} name. */
    public static void encodeIndirect(byte[] slot, int indirectOp, int handle, long id, long sector, int nrSegments,
            int[] indirectGrefs, int nrPages) {
        java.util.Arrays.fill(slot, 0, REQUEST_SIZE, (byte) 0);
        put8(slot, REQ_OPERATION, OP_INDIRECT);
        put8(slot, INDIRECT_OP, indirectOp);
        put16(slot, INDIRECT_NR_SEGMENTS, nrSegments);
        put64(slot, REQ_ID, id);
        put64(slot, REQ_SECTOR, sector);
        put16(slot, INDIRECT_HANDLE, handle);
        for (int i = 0; i < nrPages; i++) {
            put32(slot, INDIRECT_GREFS + 4 * i, indirectGrefs[i]);
        }
    }

    /** Segment {@code i} of an indirect page ({@code page} at its start). */
    public static void encodeSegment(byte[] page, int i, int gref, int firstSect, int lastSect) {
        int s = SEGMENT_SIZE * i;
        put32(page, s + SEG_GREF, gref);
        put8(page, s + SEG_FIRST_SECT, firstSect);
        put8(page, s + SEG_LAST_SECT, lastSect);
        put16(page, s + 6, 0);
    }
}
