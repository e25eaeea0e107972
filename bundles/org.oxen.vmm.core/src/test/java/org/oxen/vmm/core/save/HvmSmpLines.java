package org.oxen.vmm.core.save;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The progress lines the kit's hvmsmp prints (guests/README), parsed. */
public final class HvmSmpLines {

    private HvmSmpLines() {
    }

    /** One line of hvmsmp: its number and, per vcpu, work, ticks, lost, IPIs received and sent, outside IPIs taken. */
    public record Line(int n, long[][] cpu) {
        public long work(int c) {
            return cpu[c][0];
        }

        public long ticks(int c) {
            return cpu[c][1];
        }

        /** The periods vcpu {@code c}'s TSC counted less the ticks it took, at its last tick. */
        public long lost(int c) {
            return cpu[c][2];
        }

        public long outside(int c) {
            return cpu[c][5];
        }
    }

    private static final Pattern LINE = Pattern.compile("(?m)^hvmsmp: (\\d+) cpu0 work=(\\d+) ticks=(\\d+) lost=(\\d+)"
            + " ipis=(\\d+)/(\\d+) cpu1 work=(\\d+) ticks=(\\d+) lost=(\\d+) ipis=(\\d+)/(\\d+) outside=(\\d+)/(\\d+)\\r?$");

    /** Every line of {@code out}, in order. */
    public static List<Line> parse(String out) {
        List<Line> l = new ArrayList<>();
        Matcher m = LINE.matcher(out);
        while (m.find()) {
            long[][] c = new long[2][6];
            for (int i = 0; i < 10; i++) c[i / 5][i % 5] = Long.parseLong(m.group(2 + i));
            for (int i = 0; i < 2; i++) c[i][5] = Long.parseLong(m.group(12 + i));
            l.add(new Line(Integer.parseInt(m.group(1)), c));
        }
        return l;
    }
}
