package org.oxen.io.ring;

import java.util.Objects;

import org.oxen.vmm.api.backend.PageView;

/**
 * The shared ring's memory (io/ring.h's {@code struct *_sring}): one or more pages that are
 * virtually contiguous in index order, a 64-byte header in the first (req_prod, req_event,
 * rsp_prod, rsp_event, then padding), then {@link #size()} slots of {@link #slotSize()} bytes.
 * The size is the largest power of two that fits (ring.h's __RING_SIZE and __RD32). A slot may
 * straddle two pages; {@link #read} and {@link #write} copy across.
 */
public final class RingLayout {

    public static final int REQ_PROD = 0;
    public static final int REQ_EVENT = 4;
    public static final int RSP_PROD = 8;
    public static final int RSP_EVENT = 12;
    /** Bytes before the first slot. */
    public static final int HEADER = 64;

    private final PageView[] pages;
    private final int slotSize;
    private final int size;

    /**
     * @param slotSize bytes per slot: the larger of the request and the response
     * @throws IllegalArgumentException if no slot fits or {@code pages} is empty
     */
    public RingLayout(int slotSize, PageView... pages) {
        if (pages.length == 0) throw new IllegalArgumentException("a ring needs at least one page");
        for (PageView p : pages) {
            Objects.requireNonNull(p, "page");
        }
        this.pages = pages.clone();
        this.slotSize = slotSize;
        this.size = ringSize(slotSize, pages.length);
    }

    /** ring.h's __RING_SIZE for {@code nrPages} pages of 4 KiB. */
    public static int ringSize(int slotSize, int nrPages) {
        if (slotSize <= 0 || nrPages <= 0) {
            throw new IllegalArgumentException("slot size and pages must be positive: " + slotSize + ", " + nrPages);
        }
        long fit = ((long) nrPages * PageView.SIZE - HEADER) / slotSize;
        if (fit < 1) throw new IllegalArgumentException("a " + slotSize + "-byte slot does not fit in " + nrPages + " pages");
        return Integer.highestOneBit((int) Math.min(fit, 1 << 30));
    }

    /** Slots in the ring (a power of two). */
    public int size() {
        return size;
    }

    public int slotSize() {
        return slotSize;
    }

    /** The page with the header (the indexes). */
    PageView header() {
        return pages[0];
    }

    /**
     * SHARED_RING_INIT, done by the frontend only: producers 0, events 1, padding zeroed.
     */
    public void initShared() {
        PageView h = pages[0];
        for (int off = 0; off < HEADER; off += 4) {
            h.putInt(off, 0);
        }
        h.putInt(REQ_EVENT, 1);
        h.putIntRelease(RSP_EVENT, 1);
    }

    /** Copies slot {@code index & (size - 1)} into {@code dst} ({@code length} bytes). */
    void read(int index, byte[] dst, int length) {
        long off = HEADER + (long) (index & (size - 1)) * slotSize;
        int done = 0;
        while (done < length) {
            int page = (int) ((off + done) >>> 12);
            int in = (int) ((off + done) & 0xFFF);
            int n = Math.min(length - done, PageView.SIZE - in);
            pages[page].get(in, dst, done, n);
            done += n;
        }
    }

    /** Copies {@code length} bytes of {@code src} into slot {@code index & (size - 1)}. */
    void write(int index, byte[] src, int length) {
        long off = HEADER + (long) (index & (size - 1)) * slotSize;
        int done = 0;
        while (done < length) {
            int page = (int) ((off + done) >>> 12);
            int in = (int) ((off + done) & 0xFFF);
            int n = Math.min(length - done, PageView.SIZE - in);
            pages[page].put(in, src, done, n);
            done += n;
        }
    }
}
