package org.oxen.toolstack.sched.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlDomains;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.SchedulerInfo;

/**
 * {@code xl sched-<name>}: list (no value option) or set (a value option and {@code -d}) a
 * scheduler's per-domain parameters. Xen's option letters where xl/xm had the command
 * (credit, sedf; bvt after xm's argument order), oxen's for atropos; credit's listing is Xen's
 * layout, the others use the same with their own columns.
 */
public final class SchedCommands {

    private SchedCommands() {
    }

    /** The shared implementation: option letter -> parameter name. */
    abstract static class Base implements XlSubcommand {
        private final String sched;
        private final String summary;
        /** {option, parameter, help} */
        private final String[][] opts;
        /** Whether {@code -p} selects the pool (else only {@code --cpupool}, as sched-sedf where -p is the period). */
        private final boolean shortPool;
        /** {option, pool parameter, help} used with {@code -s} (credit's -t/-r); only where shortPool. */
        private String[][] poolOpts = new String[0][];

        Base(String sched, String summary, boolean shortPool, String[]... opts) {
            this.sched = sched;
            this.summary = summary;
            this.shortPool = shortPool;
            this.opts = opts;
        }

        Base poolOptions(String[]... o) {
            poolOpts = o;
            return this;
        }

        abstract Hypervisor hv();

        @Override
        public String name() {
            return "sched-" + sched;
        }

        @Override
        public String summary() {
            return summary;
        }

        @Override
        public String usage() {
            StringBuilder sb = new StringBuilder("[-d <Domain> [");
            sb.append(java.util.Arrays.stream(opts).map(o -> "-" + o[0] + " " + o[1].toUpperCase()).collect(Collectors.joining(" ")));
            sb.append("]] [").append(shortPool ? "-p <CPUPool>" : "--cpupool=<CPUPool>").append("]");
            if (shortPool) {
                sb.append("\n       -s [").append(java.util.Arrays.stream(poolOpts).map(o -> "-" + o[0] + " " + o[1].toUpperCase())
                        .collect(Collectors.joining(" "))).append("] [-p <CPUPool>]");
            }
            sb.append("\n\n");
            sb.append(String.format("%-28s%s%n", "-d DOMAIN, --domain=DOMAIN", "Domain to show or modify"));
            sb.append(String.format("%-28s%s%n", shortPool ? "-p CPUPOOL, --cpupool=CPUPOOL" : "--cpupool=CPUPOOL",
                    "Restrict the listing to this pool"));
            for (String[] o : opts) {
                sb.append(String.format("%-28s%s%n", "-" + o[0] + " " + o[1].toUpperCase(), o[2]));
            }
            if (shortPool) {
                sb.append(String.format("%-28s%s%n", "-s, --schedparam", "Show or set the pool-wide parameters"));
                for (String[] o : poolOpts) {
                    sb.append(String.format("%-28s%s%n", "-" + o[0] + " " + o[1].toUpperCase(), o[2]));
                }
            }
            return sb.toString().stripTrailing();
        }

        @Override
        public String shortOptions() {
            StringBuilder sb = new StringBuilder("d:");
            if (shortPool) sb.append("p:s");
            for (String[] o : opts) sb.append(o[0]).append(':');
            for (String[] o : poolOpts) sb.append(o[0]).append(':');
            return sb.toString();
        }

        @Override
        public String[] longOptions() {
            List<String> l = new ArrayList<>();
            l.add("domain:=d");
            l.add(shortPool ? "cpupool:=p" : "cpupool:");
            if (shortPool) l.add("schedparam=s");
            return l.toArray(new String[0]);
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException, XlError {
            Hypervisor hv = hv();
            if (!inv.operands().isEmpty()) throw new XlUsageException("unexpected argument '" + inv.operands().get(0) + "'");
            Optional<SchedulerInfo> info = hv.schedulers().stream().filter(s -> s.name().equals(sched)).findFirst();
            if (info.isEmpty()) {
                inv.err().println("scheduler '" + sched + "' is not available (present: "
                        + hv.schedulers().stream().map(SchedulerInfo::name).collect(Collectors.joining(", ")) + ")");
                return 1;
            }
            String poolName = inv.options().value(shortPool ? "p" : "cpupool");
            String domArg = inv.options().value("d");
            Map<String, String> set = new LinkedHashMap<>();
            for (String[] o : opts) {
                if (inv.options().has(o[0])) set.put(o[1], inv.options().value(o[0]));
            }
            List<CpuPoolInfo> pools = hv.pools();
            if (shortPool && inv.options().has("s")) {
                return poolParams(inv, hv, pools, poolName);
            }
            for (String[] o : poolOpts) {
                if (inv.options().has(o[0])) throw new XlUsageException("-" + o[0] + " needs -s");
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
                if (inv.dryRun()) {
                    inv.out().println("would set " + set + " on " + dom.name());
                    return 0;
                }
                hv.setSchedulerParams(dom.id(), set);
                return 0;
            }
            if (poolName != null && pools.stream().noneMatch(p -> p.name().equals(poolName))) {
                inv.err().println("cpupool " + poolName + " does not exist");
                return 1;
            }
            List<SchedulerInfo.Param> params = info.get().domainParams();
            PrintStream out = inv.out();
            for (CpuPoolInfo p : pools) {
                if (!p.scheduler().equals(sched) || poolName != null && !p.name().equals(poolName)) continue;
                if (dom != null && !p.domains().contains(dom.id())) continue;
                out.println("Cpupool " + p.name() + ":" + poolLine(hv, p));
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
                        String val = v.getOrDefault(params.get(k).name(), "?");
                        if (sched.equals("credit")) val = val.replaceAll("[^0-9]", ""); // Xen prints bare numbers
                        row[k + 2] = val;
                    }
                    rows.add(row);
                }
                // Xen's credit layout (%-33s %4d %6d %4d); other schedulers widen a column to fit its values
                int[] width = new int[params.size()];
                for (int k = 0; k < params.size(); k++) {
                    width[k] = width(params.get(k));
                    if (!sched.equals("credit")) {
                        for (String[] row : rows) width[k] = Math.max(width[k], row[k + 2].length());
                    }
                }
                StringBuilder h = new StringBuilder(String.format("%-33s %4s", "Name", "ID"));
                for (int k = 0; k < params.size(); k++) h.append(String.format(" %" + width[k] + "s", label(params.get(k))));
                out.println(h);
                for (String[] row : rows) {
                    StringBuilder r = new StringBuilder(String.format("%-33s %4s", row[0], row[1]));
                    for (int k = 0; k < params.size(); k++) r.append(String.format(" %" + width[k] + "s", row[k + 2]));
                    out.println(r);
                }
            }
            return 0;
        }

        /** {@code xl sched-credit -s [-t T] [-r R] [-p POOL]}: Xen's "Cpupool Pool-0: tslice=30ms ratelimit=1000us". */
        private int poolParams(XlInvocation inv, Hypervisor hv, List<CpuPoolInfo> pools, String poolName)
                throws XlUsageException {
            Map<String, String> set = new LinkedHashMap<>();
            for (String[] o : poolOpts) {
                if (inv.options().has(o[0])) set.put(o[1], inv.options().value(o[0]));
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
                inv.out().println("Cpupool " + p.name() + ":" + poolLine(hv, p));
            }
            return 0;
        }

        private static String poolLine(Hypervisor hv, CpuPoolInfo p) {
            if (p.cpus().isEmpty()) return "";
            StringBuilder sb = new StringBuilder();
            hv.poolSchedulerParams(p.name()).forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            return sb.toString();
        }

        private static String label(SchedulerInfo.Param p) {
            String n = p.name().replace('_', '-');
            return Character.toUpperCase(n.charAt(0)) + n.substring(1);
        }

        private static int width(SchedulerInfo.Param p) {
            return Math.max(label(p).length(), 4);
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class Credit extends Base {
        @Reference
        Hypervisor hv;

        public Credit() {
            super("credit", "Get/set credit scheduler parameters", true,
                    new String[] {"w", "weight", "Weight (int, 1..65535)"},
                    new String[] {"c", "cap", "Cap (int, % of one CPU, 0 = no cap)"});
            poolOptions(new String[] {"t", "tslice", "Timeslice (ms)"},
                    new String[] {"r", "ratelimit", "Rate limit (us, 0 = off)"});
        }

        @Override
        Hypervisor hv() {
            return hv;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class Rr extends Base {
        @Reference
        Hypervisor hv;

        public Rr() {
            super("rr", "List domains of round-robin scheduler pools (no per-domain parameters)", true);
            poolOptions(new String[] {"q", "quantum", "Quantum (us)"});
        }

        @Override
        Hypervisor hv() {
            return hv;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class Bvt extends Base {
        @Reference
        Hypervisor hv;

        public Bvt() {
            super("bvt", "Get/set BVT scheduler parameters (xm sched-bvt)", true,
                    new String[] {"m", "mcu_advance", "MCU advance (weight inverse)"},
                    new String[] {"b", "warpback", "Warp back enabled (0/1)"},
                    new String[] {"v", "warp_value", "Warp value"},
                    new String[] {"l", "warpl", "Warp limit (ms)"},
                    new String[] {"u", "warpu", "Unwarp requirement (ms)"});
        }

        @Override
        Hypervisor hv() {
            return hv;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class Sedf extends Base {
        @Reference
        Hypervisor hv;

        public Sedf() {
            super("sedf", "Get/set sedf scheduler parameters", false,
                    new String[] {"p", "period", "Period (us, or with a unit: 10ms)"},
                    new String[] {"s", "slice", "Slice (us)"},
                    new String[] {"l", "latency", "Latency (us)"},
                    new String[] {"e", "extratime", "Extra time (0/1)"},
                    new String[] {"w", "weight", "Weight (int)"});
        }

        @Override
        Hypervisor hv() {
            return hv;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class Atropos extends Base {
        @Reference
        Hypervisor hv;

        public Atropos() {
            super("atropos", "Get/set Atropos scheduler parameters", false,
                    new String[] {"p", "period", "Period (us)"},
                    new String[] {"s", "slice", "Slice (us)"},
                    new String[] {"l", "latency", "Latency (us, 0 = off)"},
                    new String[] {"x", "xtratime", "Extra time (0/1)"});
        }

        @Override
        Hypervisor hv() {
            return hv;
        }
    }
}
