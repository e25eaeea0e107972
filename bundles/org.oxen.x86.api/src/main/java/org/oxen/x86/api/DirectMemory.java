package org.oxen.x86.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Optional capability of a {@link PhysicalMemory}: the host address of a 4 KiB page of plain
 * RAM (host memory outside the Java heap, {@link Ram}), so that the CPU's software TLB and a
 * VMM's views of guest frames load and store without a call per access (the softmmu fast path).
 *
 * <p>The contract that makes raw accesses safe: a non-zero address is the host address of the
 * page's first byte, and all 4096 bytes from it stay mapped for as long as this memory object is
 * reachable. A holder of an address keeps the memory object that gave it reachable, and checks
 * every offset it adds (a guest's above all) to lie inside the page before it accesses. A RAM
 * its owner released ({@link Ram#release}, since 2.1) hands out no address any more ({@code
 * directAddress} throws naming it); the owner releases it only after every CPU that could hold
 * one of its addresses has stopped for good.
 *
 * <p>Writers that bypass the CPU (DMA) must tell every CPU through its code-invalidation method
 * when they write a page that may hold code.
 *
 * <p>Since 2.0 (issue 16: guest RAM off the Java heap) this replaces {@code directArray} and
 * {@code directOffset}.
 */
@ProviderType
public interface DirectMemory {

    /**
     * The host address of the 4 KiB page at {@code pageAddress} (4 KiB aligned), or 0 when the
     * page is not plain RAM (MMIO, unbacked) or, for {@code write}, when it is read-only (ROM).
     * A memory that counts committed pages counts the page from a {@code write} request on.
     */
    long directAddress(long pageAddress, boolean write);

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
