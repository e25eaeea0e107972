package org.oxen.pool.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.oxen.pool.internal.RecordCodec.CorruptRecordException;

/**
 * One runtime of the pool, as its ephemeral node says (rewritten when it changes, at most once
 * a second): where its migration receiver listens, its memory and pCPUs, and its {@code xl list}
 * rows (the local list command's own lines, so the pool's table is the hosts' tables with a
 * host column, one format), and its {@code xl top} rows (the xl bundle's, CPU % over the second
 * or so before it was written), which {@code xl top} over the pool shows with a host column.
 *
 * @param migration {@code address:port} of its migration receiver, or empty when it has none
 * @param listRows its {@code xl list} rows without the header (Domain-0 first)
 * @param topRows its {@code xl top} rows without the header (Domain-0 first)
 */
public record HostRecord(String name, String migration, long freeMiB, long totalMiB, int pcpus, List<String> listRows,
        List<String> topRows) {

    static final String KIND = "host";

    public HostRecord {
        listRows = List.copyOf(listRows);
        topRows = List.copyOf(topRows);
    }

    /** The names of its domains (first word of each row but Domain-0's). */
    public List<String> domainNames() {
        return listRows.stream().map(r -> r.split("\\s+", 2)[0]).filter(n -> !n.equals("Domain-0")).toList();
    }

    byte[] encode() {
        Map<String, String> f = new TreeMap<>();
        f.put("name", name);
        f.put("migration", migration);
        f.put("free_mib", Long.toString(freeMiB));
        f.put("total_mib", Long.toString(totalMiB));
        f.put("pcpus", Integer.toString(pcpus));
        f.put("list", String.join("\n", listRows));
        f.put("top", String.join("\n", topRows));
        return RecordCodec.encode(KIND, f);
    }

    static HostRecord decode(String path, byte[] data) throws CorruptRecordException {
        Map<String, String> f = RecordCodec.decode(KIND, path, data);
        return new HostRecord(RecordCodec.required(f, "name", path), f.getOrDefault("migration", ""),
                RecordCodec.number(f, "free_mib", path, 0, 1L << 40), RecordCodec.number(f, "total_mib", path, 0, 1L << 40),
                (int) RecordCodec.number(f, "pcpus", path, 1, 4096), lines(f.getOrDefault("list", "")),
                lines(f.getOrDefault("top", "")));
    }

    private static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : text.lines().toList();
    }
}
