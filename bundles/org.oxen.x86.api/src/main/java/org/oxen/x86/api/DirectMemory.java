package org.oxen.x86.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Optional capability of a {@link PhysicalMemory}: direct access to the host array backing a
 * 4 KiB page of plain RAM, so that the CPU's software TLB can load and store without a call per
 * access (the softmmu fast path).
 *
 * <p>Writers that bypass the CPU (DMA) must tell every CPU through its code-invalidation method
 * when they write a page that may hold code.
 */
@ProviderType
public interface DirectMemory {

    /**
     * The array holding the 4 KiB page at {@code pageAddress} (4 KiB aligned), or {@code null}
     * when the page is not plain RAM (MMIO, unbacked) or, for {@code write}, when it is read-only
     * (ROM). The page starts at {@link #directOffset(long)} in that array.
     */
    byte[] directArray(long pageAddress, boolean write);

    /** Offset of the page's first byte in the array returned by {@link #directArray}. */
    int directOffset(long pageAddress);

    /**
     * Asked by a TLB before it keeps a write tag for a RAM page (stores through the tag bypass
     * this object): {@code writing} when the fill is for a store, which the memory may record
     * (write watching, see {@link Ram#watchWrites}); false keeps the tag unfilled, so the next
     * store takes the CPU's slow path and asks again with {@code writing}. Since 1.4.
     */
    default boolean directWrite(long pageAddress, boolean writing) {
        return true;
    }
}
