package org.oxen.toolstack.sched.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlDomains;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.SchedulerInfo;

/**
 * {@code xl sched-<name>} for any scheduler: list (no value option) or set (a value option and
 * {@code -d}) its per-domain parameters; {@code -s} shows or sets its pool-wide parameters. Its
 * options come from the scheduler's parameter schema ({@link SchedulerInfo.Param#option()}), read
 * when the command runs, so a new scheduler bundle needs no code here. {@code -d} is the domain;
 * {@code -p} the pool and {@code -s} the pool parameters unless the scheduler uses those letters
 * (sedf's period and slice), when {@code --cpupool} and {@code --schedparam} remain. The listing
 * is Xen's credit layout ({@code %-33s %4d} then one right-aligned column per parameter, widened
 * to fit); percentages are shown bare, as Xen prints credit's cap.
 */
final class SchedCommand implements XlSubcommand {

    private final String sched;
    private final Hypervisor hv;

    SchedCommand(String sched, Hypervisor hv) {
        this.sched = sched;
        this.hv = hv;
    }

    private Optional<SchedulerInfo> info() {
        return hv.schedulers().stream().filter(s -> s.name().equals(sched)).findFirst();
    }

    private List<SchedulerInfo.Param> domainOptions() {
        return info().map(i -> withOption(i.domainParams())).orElse(List.of());
    }

    private List<SchedulerInfo.Param> poolOptions() {
        return info().map(i -> withOption(i.poolParams())).orElse(List.of());
    }

    private static List<SchedulerInfo.Param> withOption(List<SchedulerInfo.Param> ps) {
        return ps.stream().filter(p -> !p.option().isEmpty()).toList();
    }

    private boolean letterFree(String letter) {
        return info().map(i -> i.domainParams().stream().noneMatch(p -> p.option().equals(letter))
                && i.poolParams().stream().noneMatch(p -> p.option().equals(letter))).orElse(true);
    }

    /** {@code -p} selects the pool unless a parameter takes the letter. */
    private boolean shortPool() {
        return letterFree("p");
    }

    /** {@code -s} is --schedparam unless a parameter takes the letter. */
    private boolean shortSchedparam() {
        return letterFree("s");
    }

    @Override
    public String name() {
        return "sched-" + sched;
    }

    @Override
    public String summary() {
        return "Get/set " + sched + " scheduler parameters";
    }

    @Override
    public String usage() {
        List<SchedulerInfo.Param> opts = domainOptions(), poolOpts = poolOptions();
        String pool = shortPool() ? "-p <CPUPool>" : "--cpupool=<CPUPool>";
        String sp = shortSchedparam() ? "-s" : "--schedparam";
        StringBuilder sb = new StringBuilder("[-d <Domain> [");
        sb.append(opts.stream().map(o -> "-" + o.option() + " " + o.name().toUpperCase()).collect(Collectors.joining(" ")));
        sb.append("]] [").append(pool).append("]");
        sb.append("\n       ").append(sp).append(" [").append(poolOpts.stream()
                .map(o -> "-" + o.option() + " " + o.name().toUpperCase()).collect(Collectors.joining(" ")))
                .append("] [").append(pool).append("]");
        sb.append("\n\n");
        sb.append(String.format("%-28s%s%n", "-d DOMAIN, --domain=DOMAIN", "Domain to show or modify"));
        sb.append(String.format("%-28s%s%n", shortPool() ? "-p CPUPOOL, --cpupool=CPUPOOL" : "--cpupool=CPUPOOL",
                "Restrict the listing to this pool"));
        for (SchedulerInfo.Param o : opts) {
            sb.append(String.format("%-28s%s%n", "-" + o.option() + " " + o.name().toUpperCase(), help(o)));
        }
        sb.append(String.format("%-28s%s%n", shortSchedparam() ? "-s, --schedparam" : "--schedparam",
                "Show or set the pool-wide parameters"));
        for (SchedulerInfo.Param o : poolOpts) {
            sb.append(String.format("%-28s%s%n", "-" + o.option() + " " + o.name().toUpperCase(), help(o)));
        }
        return sb.toString().stripTrailing();
    }

    private static String help(SchedulerInfo.Param p) {
        return p.description() + " (" + p.range() + ", default " + p.defaultValue() + ")";
    }

    @Override
    public String shortOptions() {
        StringBuilder sb = new StringBuilder("d:");
        if (shortPool()) sb.append("p:");
        if (shortSchedparam()) sb.append('s');
        for (SchedulerInfo.Param o : domainOptions()) sb.append(o.option()).append(':');
        for (SchedulerInfo.Param o : poolOptions()) sb.append(o.option()).append(':');
        return sb.toString();
    }

    @Override
    public String[] longOptions() {
        return new String[] {"domain:=d", shortPool() ? "cpupool:=p" : "cpupool:",
            shortSchedparam() ? "schedparam=s" : "schedparam"};
    }

    @Override
    public int run(XlInvocation inv) throws XlUsageException, XlError {
        if (!inv.operands().isEmpty()) throw new XlUsageException("unexpected argument '" + inv.operands().get(0) + "'");
        Optional<SchedulerInfo> info = info();
        if (info.isEmpty()) {
            inv.err().println("scheduler '" + sched + "' is not available (present: "
                    + hv.schedulers().stream().map(SchedulerInfo::name).collect(Collectors.joining(", ")) + ")");
            return 1;
        }
        String poolName = inv.options().value(shortPool() ? "p" : "cpupool");
        String domArg = inv.options().value("d");
        Map<String, String> set = new LinkedHashMap<>();
        for (SchedulerInfo.Param o : domainOptions()) {
            if (inv.options().has(o.option())) set.put(o.name(), inv.options().value(o.option()));
        }
        List<CpuPoolInfo> pools = hv.pools();
        if (inv.options().has(shortSchedparam() ? "s" : "schedparam")) {
            return poolParams(inv, pools, poolName);
        }
        for (SchedulerInfo.Param o : poolOptions()) {
            if (inv.options().has(o.option())) {
                throw new XlUsageException("-" + o.option() + " needs " + (shortSchedparam() ? "-s" : "--schedparam"));
            }
        }
        Domain dom = domArg == null ? null : XlDomains.guest(hv, domArg, "given scheduler parameters");
        if (dom != null) {
            CpuPoolInfo p = pools.stream().filter(x -> x.domains().contains(dom.id())).findFirst().orElseThrow();
            if (!p.scheduler().equals(sched)) {
                inv.err().println("domain " + dom.name() + " is in cpupool " + p.name() + ", which runs "
                        + p.scheduler() + ", not " + sched + " (use xl sched-" + p.scheduler() + ")");
                return 1;
            }
        }
        if (!set.isEmpty()) {
            if (dom == null) throw new XlUsageException("setting parameters needs -d <Domain>");
            hv.setSchedulerParams(dom.id(), set);
            return 0;
        }
        if (poolName != null && pools.stream().noneMatch(p -> p.name().equals(poolName))) {
            inv.err().println("cpupool " + poolName + " does not exist");
            return 1;
        }
        list(inv.out(), info.get().domainParams(), pools, poolName, dom);
        return 0;
    }

    private void list(PrintStream out, List<SchedulerInfo.Param> params, List<CpuPoolInfo> pools, String poolName,
            Domain dom) {
        for (CpuPoolInfo p : pools) {
            if (!p.scheduler().equals(sched) || poolName != null && !p.name().equals(poolName)) continue;
            if (dom != null && !p.domains().contains(dom.id())) continue;
            out.println("Cpupool " + p.name() + ":" + poolLine(p));
            List<String[]> rows = new ArrayList<>();
            for (int id : p.domains()) {
                if (dom != null && id != dom.id()) continue;
                Optional<Domain> d = hv.find(id);
                if (d.isEmpty()) continue;
                Map<String, String> v;
                try {
                    v = hv.schedulerParams(id);
                } catch (IllegalArgumentException gone) {
                    continue;
                }
                String[] row = new String[params.size() + 2];
                row[0] = d.get().name();
                row[1] = String.valueOf(id);
                for (int k = 0; k < params.size(); k++) {
                    SchedulerInfo.Param sp = params.get(k);
                    String val = v.getOrDefault(sp.name(), "?");
                    if (sp.unit().equals("%") && val.endsWith("%")) val = val.substring(0, val.length() - 1);
                    row[k + 2] = val;
                }
                rows.add(row);
            }
            int[] width = new int[params.size()];
            for (int k = 0; k < params.size(); k++) {
                width[k] = Math.max(params.get(k).column().length(), 4);
                for (String[] row : rows) width[k] = Math.max(width[k], row[k + 2].length());
            }
            StringBuilder h = new StringBuilder(String.format("%-33s %4s", "Name", "ID"));
            for (int k = 0; k < params.size(); k++) h.append(String.format(" %" + width[k] + "s", params.get(k).column()));
            out.println(h);
            for (String[] row : rows) {
                StringBuilder r = new StringBuilder(String.format("%-33s %4s", row[0], row[1]));
                for (int k = 0; k < params.size(); k++) r.append(String.format(" %" + width[k] + "s", row[k + 2]));
                out.println(r);
            }
        }
    }

    /** {@code xl sched-credit -s [-t T] [-r R] [-p POOL]}: Xen's "Cpupool Pool-0: tslice=30ms ratelimit=1000us". */
    private int poolParams(XlInvocation inv, List<CpuPoolInfo> pools, String poolName) throws XlUsageException {
        Map<String, String> set = new LinkedHashMap<>();
        for (SchedulerInfo.Param o : poolOptions()) {
            if (inv.options().has(o.option())) set.put(o.name(), inv.options().value(o.option()));
        }
        if (inv.options().has("d")) throw new XlUsageException("-s and -d do not go together");
        if (!set.isEmpty()) {
            String target = poolName;
            if (target == null) {
                List<CpuPoolInfo> mine = pools.stream().filter(p -> p.scheduler().equals(sched)).toList();
                if (mine.size() != 1) throw new XlUsageException("-p <CPUPool> needed: " + mine.size() + " pools run " + sched);
                target = mine.get(0).name();
            }
            final String t = target;
            CpuPoolInfo p = pools.stream().filter(x -> x.name().equals(t)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("cpupool " + t + " does not exist"));
            if (!p.scheduler().equals(sched)) {
                inv.err().println("cpupool " + p.name() + " runs " + p.scheduler() + ", not " + sched);
                return 1;
            }
            hv.setPoolSchedulerParams(p.name(), set);
            return 0;
        }
        for (CpuPoolInfo p : pools) {
            if (!p.scheduler().equals(sched) || poolName != null && !p.name().equals(poolName)) continue;
            inv.out().println("Cpupool " + p.name() + ":" + poolLine(p));
        }
        return 0;
    }

    private String poolLine(CpuPoolInfo p) {
        if (p.cpus().isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        hv.poolSchedulerParams(p.name()).forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }
}
