package org.oxen.toolstack.xl.internal;

import java.util.Locale;

/** xl's output formats, character for character (xl_list.c, xl_vcpu.c, xl_misc.c, xentop.c). */
final class XlFormat {

    private XlFormat() {
    }

    static final String LIST_HEADER = "Name                                        ID   Mem VCPUs\tState\tTime(s)";
    static final String LIST_VERBOSE_HEADER = "   UUID                            Reason-Code\tSecurity Label";

    /** One {@code xl list} row. */
    static String listRow(DomainInfo d) {
        return String.format(Locale.ROOT, "%-40s %5d %5d %5d     %s  %8.1f", d.name(), d.id(),
                d.memoryKiB() / 1024, d.vcpusOnline(), d.xlState(), d.cpuTimeNanos() / 1e9f);
    }

    /** The {@code xl list -v} columns after a row: uuid, shutdown reason code, security label. */
    static String listVerbose(DomainInfo d, String uuid) {
        String reason = d.shutdown() && d.shutdownReason() != null ? String.format("%8x", d.shutdownReason().code())
                : String.format("%8s", "-");
        return " " + uuid + " " + reason + "\t" + "-";
    }

    static final String VCPU_HEADER = String.format("%-32s %5s %5s %5s %5s %9s %s", "Name", "ID", "VCPU", "CPU",
            "State", "Time(s)", "Affinity (Hard / Soft)");

    /** One {@code xl vcpu-list} row; {@code hard} is the printed hard affinity (oxen has no soft one). */
    static String vcpuRow(DomainInfo d, DomainInfo.VcpuInfo v, String hard) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-32s %5d %5d", d.name(), d.id(), v.id()));
        if (!v.online()) {
            sb.append(String.format("%5c %3c%cp ", '-', '-', '-'));
        } else if (v.cpu() < 0) {
            sb.append(String.format("%5c %3c%c- ", '-', v.running() ? 'r' : '-', v.blocked() ? 'b' : '-'));
        } else {
            sb.append(String.format("%5d %3c%c- ", v.cpu(), v.running() ? 'r' : '-', v.blocked() ? 'b' : '-'));
        }
        sb.append(String.format(Locale.ROOT, "%9.1f  ", v.timeNanos() / 1e9f));
        sb.append(hard).append(" / all");
        return sb.toString();
    }

    static final String UPTIME_HEADER = String.format("%-33s %4s %s", "Name", "ID", "Uptime");

    /** xl's uptime_to_string. */
    static String uptime(long seconds, boolean shortMode) {
        long day = seconds / 86400;
        seconds -= day * 86400;
        long hour = seconds / 3600;
        seconds -= hour * 3600;
        long min = seconds / 60;
        long sec = seconds - min * 60;
        String days = day > 1 ? day + " days, " : day == 1 ? day + " day, " : "";
        return shortMode ? String.format("%s%2d:%02d", days, hour, min)
                : String.format("%s%2d:%02d:%02d", days, hour, min, sec);
    }

    static String uptimeRow(DomainInfo d, long seconds) {
        return String.format("%-33s %4d %s", d.name(), d.id(), uptime(seconds, false));
    }

    static final String TOP_HEADER = String.format(
            "%10s %6s %10s %6s %10s %6s %10s %9s %5s %4s %8s %8s %4s %8s %8s %8s %10s %10s", "NAME", "STATE",
            "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS", "NETS", "NETTX(k)", "NETRX(k)",
            "VBDS", "VBD_OO", "VBD_RD", "VBD_WR", "VBD_RSECT", "VBD_WSECT");

    /**
     * A domain's network interfaces as xentop sums them: count, and the KiB its backend vifs
     * transmitted (NETTX, {@code tx_bytes}: what the domain received) and received (NETRX,
     * {@code rx_bytes}: what it sent), Linux's counters on dom0's vif devices as libxenstat reads them.
     */
    record NetTotals(int nets, long txBytes, long rxBytes) {
        static final NetTotals NONE = new NetTotals(0, 0, 0);

        NetTotals plus(org.oxen.vmm.api.backend.BackendStatistics.Device d) {
            return new NetTotals(nets + 1, txBytes + d.counter("tx_bytes"), rxBytes + d.counter("rx_bytes"));
        }
    }

    /** A domain's virtual block devices as xentop sums them: count, requests out of slots, read and written requests and sectors. */
    record VbdTotals(int vbds, long oo, long rd, long wr, long rsect, long wsect) {
        static final VbdTotals NONE = new VbdTotals(0, 0, 0, 0, 0, 0);

        VbdTotals plus(org.oxen.vmm.api.backend.BackendStatistics.Device d) {
            return new VbdTotals(vbds + 1, oo + d.counter("oo_req"), rd + d.counter("rd_req"), wr + d.counter("wr_req"),
                    rsect + d.counter("rd_sect"), wsect + d.counter("wr_sect"));
        }
    }

    /**
     * One xentop row; percentages of the machine-memory pool, CPU % of one pCPU; the NET columns
     * the domain's vifs, the VBD columns its disks (xentop's columns, in xentop's order).
     */
    static String topRow(DomainInfo d, double cpuPercent, long poolKiB, NetTotals net, VbdTotals vbd) {
        double mem = poolKiB == 0 ? 0 : 100.0 * d.memoryKiB() / poolKiB;
        double maxmem = poolKiB == 0 ? 0 : 100.0 * d.maxMemoryKiB() / poolKiB;
        return String.format(Locale.ROOT, "%10s %6s %10d %6.1f %10d %6.1f %10d %9.1f %5d %4d %8d %8d %4d %8d %8d %8d %10d %10d",
                d.name(), d.topState(), d.cpuTimeNanos() / 1_000_000_000L, cpuPercent, d.memoryKiB(), mem,
                d.maxMemoryKiB(), maxmem, d.vcpusOnline(), net.nets(), net.txBytes() / 1024, net.rxBytes() / 1024,
                vbd.vbds(), vbd.oo(), vbd.rd(), vbd.wr(), vbd.rsect(), vbd.wsect());
    }
}
