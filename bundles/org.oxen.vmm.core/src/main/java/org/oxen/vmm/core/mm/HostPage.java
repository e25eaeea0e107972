package org.oxen.vmm.core.mm;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

import org.oxen.x86.api.Ram;
import org.oxen.x86.host.RawMemory;

/**
 * One 4 KiB page of a {@link Ram} (a machine frame) by host address, for the hypervisor's own
 * views of guest frames ({@link MappedFrame}, Domain-0's foreign and grant mappings): every
 * access checks its offset and length against the page before it touches host memory, so no
 * offset a guest or a backend passes reaches outside the frame.
 *
 * <p>Lifetime: it holds the {@link Ram}, so the mapping stays while the view can be used, and
 * every access checks {@link Ram#isReleased} first: a view that outlives its RAM's owner (the
 * hypervisor stopped while a backend still holds a mapping) throws {@link IllegalStateException}
 * naming the RAM instead of reaching host memory ({@code Ram}'s release protocol). A {@link
 * #copy} is a private page in the C heap ({@link RawMemory#allocate}, no mapping of its own),
 * freed by a {@link Cleaner} when the copy is unreachable. Its dword accessors give the ordering
 * the emulated CPUs' loads and stores pair with: aligned dwords are volatile (at least as strong
 * as opaque, acquire and release), unaligned ones plain.
 *
 * <p>Thread-safe: immutable; the bytes are the guest's and may change at any moment.
 */
public final class HostPage {

    public static final int SIZE = 4096;
    /** Frees private copies' pages (one daemon thread). */
    private static final Cleaner COPIES = Cleaner.create();

    /** The RAM the page is of; null for a private copy. */
    private final Ram ram;
    /** The page's address in {@link #ram} (for messages). */
    private final long pageAddress;
    private final long address;

    /** The page of {@code ram} at {@code pageAddress} (aligned, inside the RAM), writable by the holder. */
    public HostPage(Ram ram, long pageAddress) {
        long a = ram.directAddress(pageAddress, true);
        if (a == 0) {
            throw new IllegalArgumentException("not a page of the RAM: 0x" + Long.toHexString(pageAddress)
                    + " (RAM of 0x" + Long.toHexString(ram.size()) + " bytes)");
        }
        this.ram = ram;
        this.pageAddress = pageAddress;
        this.address = a;
    }

    private HostPage(long privateAddress) {
        this.ram = null;
        this.pageAddress = -1;
        this.address = privateAddress;
    }

    /** A private page (in the C heap, no RAM of its own) holding a copy of this one's bytes now. */
    public HostPage copy() {
        long own = RawMemory.allocate(SIZE);
        HostPage c = new HostPage(own);
        COPIES.register(c, () -> RawMemory.free(own));
        RawMemory.copy(at(0, SIZE), own, SIZE);
        Reference.reachabilityFence(this);
        return c;
    }

    private long at(int offset, int length) {
        Objects.checkFromIndexSize(offset, length, SIZE);
        Ram r = ram;
        if (r != null && r.isReleased()) {
            r.checkLive("a Domain-0 view's access", pageAddress + offset);
        }
        return address + offset;
    }

    private static void aligned(int offset, String what) {
        if ((offset & 3) != 0) throw new IllegalArgumentException("unaligned " + what + " at offset " + offset);
    }

    public int getByte(int offset) {
        return RawMemory.getByte(at(offset, 1)) & 0xFF;
    }

    public void putByte(int offset, int value) {
        RawMemory.putByte(at(offset, 1), (byte) value);
    }

    /** The dword at {@code offset}: never torn nor cached when aligned (volatile), plain otherwise. */
    public int getInt(int offset) {
        long a = at(offset, 4);
        return (offset & 3) == 0 ? RawMemory.getIntVolatile(a) : RawMemory.getInt(a);
    }

    /** The aligned dword at {@code offset} with acquire ordering (a ring's producer index). */
    public int getIntAcquire(int offset) {
        long a = at(offset, 4);
        aligned(offset, "acquire");
        return RawMemory.getIntVolatile(a);
    }

    /** Writes the dword at {@code offset}: never torn when aligned (volatile), plain otherwise. */
    public void putInt(int offset, int value) {
        long a = at(offset, 4);
        if ((offset & 3) == 0) {
            RawMemory.putIntVolatile(a, value);
        } else {
            RawMemory.putInt(a, value);
        }
    }

    /** Writes the aligned dword at {@code offset} with release ordering (a ring's consumer index). */
    public void putIntRelease(int offset, int value) {
        long a = at(offset, 4);
        aligned(offset, "release");
        RawMemory.putIntRelease(a, value);
    }

    public void get(int offset, byte[] dst, int dstOffset, int length) {
        RawMemory.copyToArray(at(offset, length), dst, dstOffset, length);
    }

    public void put(int offset, byte[] src, int srcOffset, int length) {
        RawMemory.copyFromArray(src, srcOffset, at(offset, length), length);
    }

    /** Copies {@code dst.remaining()} bytes from {@code offset} into {@code dst} at its position (advanced). */
    public void get(int offset, ByteBuffer dst) {
        int n = dst.remaining();
        long a = at(offset, n);
        int pos = dst.position();
        if (dst.hasArray()) {
            RawMemory.copyToArray(a, dst.array(), dst.arrayOffset() + pos, n);
        } else { // a direct buffer: eight bytes at a time by absolute puts (no allocation)
            boolean swap = dst.order() != ByteOrder.LITTLE_ENDIAN;
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                long v = RawMemory.getLong(a + i);
                dst.putLong(pos + i, swap ? Long.reverseBytes(v) : v);
            }
            for (; i < n; i++) dst.put(pos + i, RawMemory.getByte(a + i));
        }
        dst.position(pos + n);
    }

    /** Copies {@code src.remaining()} bytes of {@code src} from its position (advanced) to {@code offset}. */
    public void put(int offset, ByteBuffer src) {
        int n = src.remaining();
        long a = at(offset, n);
        int pos = src.position();
        if (src.hasArray()) {
            RawMemory.copyFromArray(src.array(), src.arrayOffset() + pos, a, n);
        } else {
            boolean swap = src.order() != ByteOrder.LITTLE_ENDIAN;
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                long v = src.getLong(pos + i);
                RawMemory.putLong(a + i, swap ? Long.reverseBytes(v) : v);
            }
            for (; i < n; i++) RawMemory.putByte(a + i, src.get(pos + i));
        }
        src.position(pos + n);
    }

    /**
     * Copies {@code length} bytes from {@code srcOffset} of {@code src} to {@code dstOffset} of
     * {@code dst} (gnttab_copy between two frames; the same frame too, as memmove).
     */
    public static void copy(HostPage src, int srcOffset, HostPage dst, int dstOffset, int length) {
        long from = src.at(srcOffset, length), to = dst.at(dstOffset, length);
        if (src.address == dst.address && Math.abs(srcOffset - dstOffset) < length) {
            byte[] tmp = new byte[length]; // overlapping within one frame: rare, through a copy
            RawMemory.copyToArray(from, tmp, 0, length);
            RawMemory.copyFromArray(tmp, 0, to, length);
        } else {
            RawMemory.copy(from, to, length);
        }
    }

    @Override
    public String toString() {
        return "HostPage[0x" + Long.toHexString(address) + " of " + (ram == null ? "a private copy" : ram) + "]";
    }
}
