package org.oxen.vmm.core.mm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * How much guest RAM the host can back: what machine memory ({@link FramePool}, host memory
 * outside the Java heap, committed as domains touch it) is checked against, as Xen's toolstack
 * refuses a domain the host cannot back. In order:
 * <ol>
 * <li>{@value #LIMIT_MIB}, when set: an explicit limit (a host shared with other work; tests);
 * <li>with the kernel's strict overcommit ({@code vm.overcommit_memory=2}, which charges a
 * {@code MAP_NORESERVE} mapping whole): {@code CommitLimit - Committed_AS} of {@code
 * /proc/meminfo}, what the kernel would still let the pool's mapping commit;
 * <li>otherwise {@code MemAvailable} of {@code /proc/meminfo}: RAM the host can give without
 * swapping, now.
 * </ol>
 *
 * @param mib the limit in MiB
 * @param source where it comes from, for messages ("MemAvailable in /proc/meminfo")
 */
public record HostMemoryBudget(long mib, String source) {

    /** The framework property of an explicit limit, MiB. */
    public static final String LIMIT_MIB = "oxen.memory.limit.mib";

    /** The budget from {@code property} ({@value #LIMIT_MIB}) or the host's {@code /proc}. */
    public static HostMemoryBudget of(UnaryOperator<String> property) {
        return of(property, Path.of("/proc/meminfo"), Path.of("/proc/sys/vm/overcommit_memory"));
    }

    /**
     * The budget from {@code property} or the given {@code /proc} files (tests give their own).
     *
     * @throws IllegalArgumentException naming {@value #LIMIT_MIB} and its value if it is not a
     *     positive whole number, or the file and the line it lacks
     */
    public static HostMemoryBudget of(UnaryOperator<String> property, Path meminfo, Path overcommit) {
        String raw = property.apply(LIMIT_MIB);
        if (raw != null && !raw.isBlank()) {
            long v;
            try {
                v = Long.parseLong(raw.strip());
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v <= 0) {
                throw new IllegalArgumentException(LIMIT_MIB + "=" + raw + " is not a positive whole number of MiB");
            }
            return new HostMemoryBudget(v, LIMIT_MIB);
        }
        Map<String, Long> kib = meminfo(meminfo);
        String mode;
        try {
            mode = Files.readString(overcommit).strip();
        } catch (IOException e) {
            mode = "0"; // no such file: the kernel's default heuristic
        }
        if (mode.equals("2")) {
            long left = need(kib, "CommitLimit", meminfo) - need(kib, "Committed_AS", meminfo);
            return new HostMemoryBudget(Math.max(0, left) >> 10,
                    "CommitLimit - Committed_AS in " + meminfo + " (strict overcommit, vm.overcommit_memory=2)");
        }
        return new HostMemoryBudget(need(kib, "MemAvailable", meminfo) >> 10, "MemAvailable in " + meminfo);
    }

    private static Map<String, Long> meminfo(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " for the host's memory (" + e.getMessage()
                    + "): set " + LIMIT_MIB);
        }
        Map<String, Long> kib = new HashMap<>();
        for (String l : lines) {
            int colon = l.indexOf(':');
            if (colon <= 0) continue;
            String value = l.substring(colon + 1).replace("kB", "").strip();
            try {
                kib.put(l.substring(0, colon), Long.parseLong(value));
            } catch (NumberFormatException e) {
                // a line that is no size: not one of ours
            }
        }
        return kib;
    }

    private static long need(Map<String, Long> kib, String key, Path file) {
        Long v = kib.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + " has no " + key + " line: set " + LIMIT_MIB);
        }
        return v;
    }
}
