package org.oxen.toolstack.xl.internal;

/**
 * Memory sizes as xl reads them on its command line (xl's {@code parse_mem_size_kb}): a decimal
 * number with at most one suffix letter, case-insensitive: {@code k} KiB, {@code m} (or none)
 * MiB, {@code g} GiB, {@code t} TiB, {@code b} bytes (rounded down to KiB). Unlike xl, which
 * takes {@code strtoll}'s leniency (leading blanks, a sign, a size without digits such as
 * {@code "m"} meaning 0, overflow saturating), oxen refuses anything that is not digits and an
 * optional suffix, and sizes beyond 2^53 KiB: a negative size would otherwise pass libxl's checks
 * as an enormous unsigned one.
 */
final class MemorySize {

    /** The largest size accepted, in KiB (8 EiB). */
    static final long MAX_KIB = 1L << 53;

    private MemorySize() {
    }

    /**
     * The size {@code text} names, in KiB.
     *
     * @throws IllegalArgumentException with xl's message, {@code invalid memory size: <text>}
     */
    static long parseKiB(String text) {
        int digits = 0;
        while (digits < text.length() && text.charAt(digits) >= '0' && text.charAt(digits) <= '9') {
            digits++;
        }
        if (digits == 0 || digits > 18 || text.length() - digits > 1) throw invalid(text);
        long n = Long.parseLong(text, 0, digits, 10);
        char suffix = digits < text.length() ? Character.toLowerCase(text.charAt(digits)) : 'm';
        int shift = switch (suffix) {
            case 'b' -> -10;
            case 'k' -> 0;
            case 'm' -> 10;
            case 'g' -> 20;
            case 't' -> 30;
            default -> throw invalid(text);
        };
        if (shift < 0) return n >> -shift;
        if (n > MAX_KIB >> shift) throw invalid(text);
        return n << shift;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid memory size: " + text);
    }
}
