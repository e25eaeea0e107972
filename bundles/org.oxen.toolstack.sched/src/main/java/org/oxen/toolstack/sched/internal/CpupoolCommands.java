package org.oxen.toolstack.sched.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
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
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Domains;

/** {@code xl cpupool-*}: one DS component per subcommand, as Xen's xl spells them. */
public final class CpupoolCommands {

    private CpupoolCommands() {
    }

    static List<String> operands(XlInvocation inv, int n) throws XlUsageException {
        List<String> ops = inv.operands();
        if (ops.size() != n) {
            throw new XlUsageException(ops.size() < n ? "missing argument" : "too many arguments");
        }
        return ops;
    }

    static int cpu(String s) throws XlUsageException {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new XlUsageException("'" + s + "' is not a CPU number");
        }
    }

    /** {@code cpus=} as xl.cfg takes it: {@code "1,2"}, {@code "0-3"}, {@code ["1","2"]}, {@code 2}. */
    static List<Integer> cpuList(String text) throws XlUsageException {
        String t = text.replace("[", "").replace("]", "").replace("\"", "").replace("'", "").strip();
        List<Integer> l = new ArrayList<>();
        if (t.isEmpty()) return l;
        for (String part : t.split(",")) {
            part = part.strip();
            int dash = part.indexOf('-');
            if (dash > 0) {
                int a = cpu(part.substring(0, dash)), b = cpu(part.substring(dash + 1));
                if (b < a) throw new XlUsageException("bad CPU range '" + part + "'");
                for (int c = a; c <= b; c++) l.add(c);
            } else {
                l.add(cpu(part));
            }
        }
        return l;
    }

    static String unquote(String v) {
        v = v.strip();
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    @Component(service = XlSubcommand.class)
    public static final class ListCmd implements XlSubcommand {
        @Reference
        CpuPools hv;

        @Override
        public String name() {
            return "cpupool-list";
        }

        @Override
        public String summary() {
            return "List CPU pools on host";
        }

        @Override
        public String usage() {
            return "[-c|--cpus] [<CPU Pool>]\n\n-c, --cpus                     Output list of CPUs used by a pool";
        }

        @Override
        public String shortOptions() {
            return "c";
        }

        @Override
        public String[] longOptions() {
            return new String[] {"cpus=c"};
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException {
            String only = inv.operands().isEmpty() ? null : inv.operands().get(0);
            if (inv.operands().size() > 1) throw new XlUsageException("too many arguments");
            PrintStream out = inv.out();
            boolean cpus = inv.options().has("c");
            out.println(cpus ? "Name               CPU list" : "Name               CPUs   Sched     Active   Domain count");
            boolean found = false;
            for (CpuPoolInfo p : hv.pools()) {
                if (only != null && !only.equals(p.name())) continue;
                found = true;
                if (cpus) {
                    out.println(String.format("%-19s%s", p.name(),
                            p.cpus().stream().map(String::valueOf).collect(Collectors.joining(","))));
                } else {
                    out.println(String.format("%-19s%4d   %-10s%-9s%d", p.name(), p.cpus().size(), p.scheduler(),
                            "y", p.domains().size()));
                }
            }
            if (only != null && !found) {
                inv.err().println("cpupool " + only + " does not exist");
                return 1;
            }
            return 0;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class CreateCmd implements XlSubcommand {
        @Reference
        CpuPools hv;

        @Override
        public String name() {
            return "cpupool-create";
        }

        @Override
        public String summary() {
            return "Create a new CPU pool";
        }

        @Override
        public String usage() {
            return "[variable=value ...]\n\nname=NAME     the pool's name (required)\n"
                    + "sched=SCHED   credit, rr, bvt, sedf, atropos (default: the default scheduler)\n"
                    + "cpus=LIST     free CPUs, e.g. cpus=\"1,2\" or cpus=\"2-3\" (default: none)";
        }

        /** {@code xl -N cpupool-create ...} prints the pool it would create (xl's can_dryrun). */
        @Override
        public boolean canDryRun() {
            return true;
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException {
            String name = null, sched = null;
            List<Integer> cpus = List.of();
            for (String op : inv.operands()) {
                int eq = op.indexOf('=');
                if (eq <= 0) throw new XlUsageException("'" + op + "' is not variable=value");
                String key = op.substring(0, eq).strip();
                String val = unquote(op.substring(eq + 1));
                switch (key) {
                    case "name" -> name = val;
                    case "sched" -> sched = val;
                    case "cpus" -> cpus = cpuList(val);
                    default -> throw new XlUsageException("unknown variable '" + key + "' (name, sched, cpus)");
                }
            }
            if (name == null) throw new XlUsageException("name= is required");
            if (inv.dryRun()) {
                inv.out().println("would create cpupool " + name + " sched=" + sched + " cpus=" + cpus);
                return 0;
            }
            CpuPoolInfo p = hv.createPool(name, sched, cpus);
            if (inv.verbose()) {
                inv.out().println("cpupool " + p.name() + " (id " + p.id() + "): " + p.scheduler() + " on " + p.cpus());
            }
            return 0;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class DestroyCmd implements XlSubcommand {
        @Reference
        CpuPools hv;

        @Override
        public String name() {
            return "cpupool-destroy";
        }

        @Override
        public String summary() {
            return "Deactivates a CPU pool";
        }

        @Override
        public String usage() {
            return "<CPU Pool>";
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException {
            hv.destroyPool(operands(inv, 1).get(0));
            return 0;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class CpuAddCmd implements XlSubcommand {
        @Reference
        CpuPools hv;

        @Override
        public String name() {
            return "cpupool-cpu-add";
        }

        @Override
        public String summary() {
            return "Adds a CPU to a CPU pool";
        }

        @Override
        public String usage() {
            return "<CPU Pool> <CPU nr>";
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException {
            List<String> ops = operands(inv, 2);
            for (int c : cpuList(ops.get(1))) {
                hv.addPoolCpu(ops.get(0), c);
            }
            return 0;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class CpuRemoveCmd implements XlSubcommand {
        @Reference
        CpuPools hv;

        @Override
        public String name() {
            return "cpupool-cpu-remove";
        }

        @Override
        public String summary() {
            return "Removes a CPU from a CPU pool";
        }

        @Override
        public String usage() {
            return "<CPU Pool> <CPU nr>";
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException {
            List<String> ops = operands(inv, 2);
            for (int c : cpuList(ops.get(1))) {
                hv.removePoolCpu(ops.get(0), c);
            }
            return 0;
        }
    }

    @Component(service = XlSubcommand.class)
    public static final class MigrateCmd implements XlSubcommand {
        @Reference
        CpuPools hv;
        @Reference
        Domains domains;

        @Override
        public String name() {
            return "cpupool-migrate";
        }

        @Override
        public String summary() {
            return "Moves a domain into a CPU pool";
        }

        @Override
        public String usage() {
            return "<Domain> <CPU Pool>";
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException, XlError {
            List<String> ops = operands(inv, 2);
            Domain d = XlDomains.guest(domains, ops.get(0), "moved between CPU pools");
            hv.migrate(d.id(), ops.get(1));
            return 0;
        }
    }
}
