package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * xl's pCPU lists (libxl's cpurange syntax, as in {@code cpus=} and {@code xl vcpu-pin}):
 * {@code all}, {@code N}, {@code N-M}, a leading {@code ^} excludes, comma-separated; and their
 * printed form (xl's print_bitmap: {@code all} when every pCPU is set, else ranges).
 */
final class CpuList {

    private CpuList() {
    }

    /**
     * The pCPUs {@code spec} names on a machine of {@code nrPcpus}, ascending.
     *
     * @throws IllegalArgumentException naming the bad element
     */
    static List<Integer> parse(String spec, int nrPcpus) {
        BitSet set = new BitSet(nrPcpus);
        String s = spec.strip();
        if (s.isEmpty()) throw new IllegalArgumentException("empty cpu list");
        for (String part : s.split(",", -1)) {
            String p = part.strip();
            boolean exclude = p.startsWith("^");
            if (exclude) p = p.substring(1);
            int from;
            int to;
            if (p.equals("all")) {
                from = 0;
                to = nrPcpus - 1;
            } else {
                int dash = p.indexOf('-');
                from = number(dash < 0 ? p : p.substring(0, dash), part);
                to = dash < 0 ? from : number(p.substring(dash + 1), part);
                if (to < from) throw new IllegalArgumentException("invalid cpu range '" + part + "'");
                if (to >= nrPcpus) {
                    throw new IllegalArgumentException("cpu " + to + " in '" + part + "' does not exist (pCPUs 0-"
                            + (nrPcpus - 1) + ")");
                }
            }
            if (exclude) {
                set.clear(from, to + 1);
            } else {
                set.set(from, to + 1);
            }
        }
        List<Integer> l = new ArrayList<>();
        for (int c = set.nextSetBit(0); c >= 0; c = set.nextSetBit(c + 1)) {
            l.add(c);
        }
        if (l.isEmpty()) throw new IllegalArgumentException("cpu list '" + spec + "' names no pCPU");
        return l;
    }

    private static int number(String digits, String part) {
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 6) {
            throw new IllegalArgumentException("invalid cpu '" + part + "'");
        }
        return Integer.parseInt(digits);
    }

    /** xl's print_bitmap: {@code all}, or ascending ranges such as {@code 0-2,5}. */
    static String format(List<Integer> cpus, int nrPcpus) {
        if (cpus.size() == nrPcpus) return "all";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cpus.size(); i++) {
            int start = cpus.get(i);
            int end = start;
            while (i + 1 < cpus.size() && cpus.get(i + 1) == end + 1) {
                end = cpus.get(++i);
            }
            if (sb.length() > 0) sb.append(',');
            sb.append(start);
            if (end != start) sb.append('-').append(end);
        }
        return sb.toString();
    }
}
