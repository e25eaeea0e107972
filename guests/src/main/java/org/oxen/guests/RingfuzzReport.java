package org.oxen.guests;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the kit's ring fuzzers ({@code ringfuzz} against blkback, {@code ringfuzz_net} against
 * netback) report on their console, read back in one place: the number of cases and the
 * sequence hash of their final line ({@code ringfuzz: done N cases, sequence H}), and each kind
 * of request's counts ({@code ringfuzz: KIND okay=A error=B [eopnotsupp=C]}).
 */
public final class RingfuzzReport {

    private static final Pattern DONE = Pattern.compile("ringfuzz: done (\\d+) cases, sequence ([0-9a-f]{16})");
    private static final Pattern KIND = Pattern.compile("ringfuzz: ([a-z0-9-]+) okay=(\\d+) error=(\\d+)(?: eopnotsupp=(\\d+))?");

    /** One kind's answers: OKAY, ERROR, and EOPNOTSUPP (0 where the fuzzer does not count them). */
    public record Counts(long okay, long error, long eopnotsupp) {
    }

    private final int cases;
    private final String sequence;
    private final Map<String, Counts> kinds;

    private RingfuzzReport(int cases, String sequence, Map<String, Counts> kinds) {
        this.cases = cases;
        this.sequence = sequence;
        this.kinds = kinds;
    }

    /**
     * The report in a fuzzer domain's console output.
     *
     * @throws IllegalArgumentException the output has no final {@code ringfuzz: done} line (the
     *         fuzzer did not finish); the message holds the output
     */
    public static RingfuzzReport of(String consoleOutput) {
        Matcher done = DONE.matcher(consoleOutput);
        if (!done.find()) {
            throw new IllegalArgumentException("no 'ringfuzz: done N cases, sequence H' line in:\n" + consoleOutput);
        }
        Map<String, Counts> kinds = new TreeMap<>();
        Matcher k = KIND.matcher(consoleOutput);
        while (k.find()) {
            kinds.put(k.group(1), new Counts(Long.parseLong(k.group(2)), Long.parseLong(k.group(3)),
                    k.group(4) == null ? 0 : Long.parseLong(k.group(4))));
        }
        return new RingfuzzReport(Integer.parseInt(done.group(1)), done.group(2), kinds);
    }

    /** The cases the fuzzer ran. */
    public int cases() {
        return cases;
    }

    /** The hash of the sequence of cases (the same seed gives the same sequence). */
    public String sequence() {
        return sequence;
    }

    /** Every kind the fuzzer reported, by name (1.2). */
    public Map<String, Counts> kinds() {
        return java.util.Collections.unmodifiableMap(kinds);
    }

    /** A kind's counts, if the fuzzer reported that kind. */
    public Optional<Counts> kind(String name) {
        return Optional.ofNullable(kinds.get(name));
    }
}
