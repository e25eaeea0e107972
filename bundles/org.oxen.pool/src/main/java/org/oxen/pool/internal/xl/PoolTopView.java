package org.oxen.pool.internal.xl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.PoolMember;
import org.oxen.toolstack.xl.TopTable;
import org.oxen.toolstack.xl.TopView;

/**
 * {@code xl top} over the pool: the host's own {@code xl top} (its options, delay, batch mode and
 * keys) showing every host's domains with a HOST column after the name. This host's rows are the
 * table xl top has just sampled; the other hosts' are the rows each published in its pool node
 * (at most a second or so old, CPU % over the second before it wrote them). The summary counts
 * the pool's hosts, domains by state, memory and pCPUs.
 */
public final class PoolTopView implements TopView {

    private final PoolMember member;

    public PoolTopView(PoolMember member) {
        this.member = member;
    }

    @Override
    public TopTable view(TopTable host) {
        String me = member.settings().host();
        Map<String, HostRecord> hosts = member.hosts();
        List<String> rows = new ArrayList<>();
        int[] states = new int[STATE_LETTERS.length()];
        long totalKiB = 0;
        long freeKiB = 0;
        int pcpus = 0;
        boolean mine = false;
        for (HostRecord h : hosts.values()) {
            List<String> own = h.name().equals(me) ? host.rows() : h.topRows();
            mine |= h.name().equals(me);
            own.forEach(r -> rows.add(withHost(r, h.name(), states)));
            totalKiB += h.totalMiB() * 1024;
            freeKiB += h.freeMiB() * 1024;
            pcpus += h.pcpus();
        }
        if (!mine) {
            // not (yet) in the pool's hosts: this host's table all the same
            host.rows().forEach(r -> rows.add(withHost(r, me, states)));
        }
        List<String> summary = List.of(host.summary().isEmpty() ? "xl top" : host.summary().get(0),
                String.format("pool %s: %d hosts (master %s); %d domains: %d running, %d blocked, %d paused, %d crashed,"
                        + " %d dying, %d shutdown", member.settings().pool(), hosts.size(),
                        member.masterName().orElse("none"), rows.size(), states[5], states[2], states[4], states[3],
                        states[0], states[1]),
                String.format("Mem: %dk total, %dk used, %dk free    CPUs: %d", totalKiB, totalKiB - freeKiB, freeKiB,
                        pcpus));
        return new TopTable(summary, withHost(host.header(), "HOST", null), rows);
    }

    /** xentop's state letters in their column order: dying, shutdown, blocked, crashed, paused, running. */
    private static final String STATE_LETTERS = "dsbcpr";

    /**
     * {@code row} with {@code host} in a column after the name (the row's first word); counts the
     * letters of its STATE column (the second word) into {@code states} when given.
     */
    static String withHost(String row, String host, int[] states) {
        int start = 0;
        while (start < row.length() && row.charAt(start) == ' ') {
            start++;
        }
        int end = row.indexOf(' ', start);
        if (end < 0) {
            end = row.length();
        }
        if (states != null) {
            String[] words = row.substring(start).split("\\s+", 3);
            if (words.length > 1 && words[1].length() == STATE_LETTERS.length()) {
                for (int i = 0; i < STATE_LETTERS.length(); i++) {
                    if (words[1].charAt(i) == STATE_LETTERS.charAt(i)) {
                        states[i]++;
                    }
                }
            }
        }
        return row.substring(0, end) + " " + String.format("%-10s", host) + row.substring(end);
    }
}
