package org.oxen.x86.host;

/**
 * Guest RAM in host memory outside the Java heap: one anonymous private mapping per reservation,
 * {@code MAP_NORESERVE}, read-write. It reads as zeros, and the host kernel commits it page by
 * page as it is first touched, so a reservation costs what its user touches, not its size.
 *
 * <p>An address is a plain host virtual address; {@link RawMemory} reads and writes it. Nothing
 * here checks that an address belongs to a live reservation: the owner (e.g. {@code
 * org.oxen.x86.api.Ram}) must check every offset it is given and must {@link #release} only
 * when nothing can still use the mapping. Failures of the host throw {@link HostException} with
 * the call, its arguments and errno's text; sizes that are not positive throw {@link
 * IllegalArgumentException}.
 */
public final class HostMemory {

    /** The host's page size in bytes: the granule of {@link #decommit} and {@link #residentBytes}. */
    public static final int PAGE_SIZE = HostLibrary.PAGE_SIZE;

    private HostMemory() {
    }

    /**
     * Reserves {@code bytes} (rounded up to whole host pages) of zeroed RAM and returns its
     * address, page-aligned. Nothing is committed until touched.
     */
    public static long reserve(long bytes) {
        HostLibrary.checkBytes("HostMemory.reserve", bytes);
        return HostLibrary.mapAnonymous(bytes, true);
    }

    /**
     * Gives the host back the pages of {@code [address, address + bytes)} ({@code
     * madvise(MADV_DONTNEED)}): they read as zeros again and are no longer resident. {@code
     * address} must be page-aligned.
     */
    public static void decommit(long address, long bytes) {
        HostLibrary.checkAddress("HostMemory.decommit", address);
        HostLibrary.checkBytes("HostMemory.decommit", bytes);
        HostLibrary.dontNeed(address, bytes);
    }

    /**
     * Unmaps {@code [address, address + bytes)} ({@code munmap}). Any later access to it crashes
     * the JVM: the caller guarantees that nothing can use it any more.
     */
    public static void release(long address, long bytes) {
        HostLibrary.checkAddress("HostMemory.release", address);
        HostLibrary.checkBytes("HostMemory.release", bytes);
        HostLibrary.unmap(address, bytes);
    }

    /**
     * How many bytes of {@code [address, address + bytes)} the host holds in RAM now ({@code
     * mincore}), in whole host pages. {@code address} must be page-aligned.
     */
    public static long residentBytes(long address, long bytes) {
        HostLibrary.checkAddress("HostMemory.residentBytes", address);
        HostLibrary.checkBytes("HostMemory.residentBytes", bytes);
        return HostLibrary.resident(address, bytes);
    }

    /**
     * The whole process's resident set now ({@code VmRSS} of {@code /proc/self/status}), in
     * bytes: what the host holds for the JVM, heap, code and every reservation. For tests and
     * measurements. Since 1.1.
     */
    public static long processResidentBytes() {
        try {
            for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (java.io.IOException e) {
            throw new HostException("reading /proc/self/status: " + e.getMessage());
        }
        throw new HostException("/proc/self/status has no VmRSS line");
    }
}
