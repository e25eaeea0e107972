package org.oxen.toolstack.xl;

import java.util.List;

/**
 * One table of {@code xl top} (2.3): the summary lines an interactive screen shows above it (time,
 * domains by state, memory, CPUs), xentop's column header, and one row per domain.
 *
 * @param summary the lines above the table (printed when not in batch mode)
 * @param header the column header line
 * @param rows one line per domain, CPU % over the time since the table before
 * @since 2.3
 */
public record TopTable(List<String> summary, String header, List<String> rows) {
    public TopTable {
        summary = List.copyOf(summary);
        rows = List.copyOf(rows);
    }
}
