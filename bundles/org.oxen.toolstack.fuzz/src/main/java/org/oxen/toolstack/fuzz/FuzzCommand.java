package org.oxen.toolstack.fuzz;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.toolstack.xl.ConfigTextCreator;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.ForeignMemory;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.Xenstore;

/**
 * The {@code fuzz} command in Gogo: a campaign of the guest kit's hypercall fuzzer beside victim
 * domains, ending in the isolation oracle's PASS/FAIL line ({@link Campaign}).
 *
 * <pre>
 * fuzz [-s SEED] [-n SEEDS] [-c CALLS] [-v VICTIMS] [-p FUZZERS] [--xs] [--die] [--storm] [--blk CASES] [--net CASES] [--hvm OPS] [--rng 1|2]
 * </pre>
 * Defaults: seed 1, 1 seed, 5,000 calls, 1 victim. {@code --xs} adds malformed xs_wire messages,
 * {@code --die} ends each fuzzer with a fatal act (it must crash, alone); {@code --storm} ends each
 * in an upcall storm, which the campaign's detector must report as a FAIL ({@link StormWatch}). {@code --blk},
 * {@code --net} and {@code --hvm} add to each seed the kit's ringfuzz against the real blkback and
 * netback and its hvmfuzz in an HVM domain, created through xl's toolstack
 * ({@link DeviceAndHvmRuns}). {@code --rng 1} runs the fuzzer's generator of session 10, whose
 * seeds make other calls than today's (2, the default), so that seeds found then replay. {@code -p K} runs K
 * fuzzer domains at once, each worker on a pCPU of its own, the seeds handed out in order (not
 * with the device and HVM runs). The exit status is 0 on
 * PASS, 1 on FAIL, 2 on a usage error (session variable {@code fuzz.status} and the runtime's
 * status sinks).
 *
 * <p>Locking: services are DS references (the xenstore one dynamic and optional); each call runs
 * its campaign on the calling thread and keeps no state.
 */
@Component(service = Function.class, immediate = true,
        property = {"osgi.command.scope=oxen", "osgi.command.function=fuzz"})
public final class FuzzCommand implements Function {
    static final String USAGE = "usage: fuzz [-s SEED] [-n SEEDS] [-c CALLS] [-v VICTIMS] [-p FUZZERS] [--xs] [--die] [--storm]"
            + " [--blk CASES] [--net CASES] [--hvm OPS] [--rng 1|2]";

    @Reference
    Hypervisor hv;

    @Reference
    ForeignMemory foreign;

    @Reference
    GrantTables grants;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Xenstore store;

    /** xl's toolstack, for the device and HVM runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ConfigTextCreator xl;

    /** The pCPUs, to pin the fuzzers of {@code -p K} each to its own. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile CpuPools pcpus;

    /** The hypervisor's metrics switch: the storm detector judges only while the counts count. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile org.oxen.vmm.api.HypervisorMetrics metrics;

    /** Exit statuses for the runtime's process status ({@code oxen.command.status=true}). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(oxen.command.status=true)")
    volatile List<IntConsumer> statusSinks = List.of();

    private Consoles consoles = new Consoles(null);

    @org.osgi.service.component.annotations.Activate
    void activate(org.osgi.framework.BundleContext ctx) {
        consoles = new Consoles(ctx);
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        PrintStream out = session.getConsole();
        int status;
        try {
            Campaign.Spec spec = parse(arguments.stream().map(String::valueOf).toList());
            Campaign.Result r = new Campaign(hv, foreign, grants, Optional.ofNullable(store), Optional.ofNullable(xl),
                    Optional.ofNullable(pcpus), () -> {
                        org.oxen.vmm.api.HypervisorMetrics m = metrics;
                        return m == null || m.counting();
                    }, consoles,
                    out).run(spec);
            if (!r.results().isEmpty()) out.println("fuzz: results " + r.results());
            out.println(r.line());
            status = r.passed() ? 0 : 1;
        } catch (IllegalArgumentException e) {
            System.err.println("fuzz: " + e.getMessage());
            System.err.println(USAGE);
            status = 2;
        }
        out.flush();
        session.put("fuzz.status", status);
        for (IntConsumer sink : statusSinks) sink.accept(status);
        return null;
    }

    static Campaign.Spec parse(List<String> args) {
        int seed = 1, seeds = 1, calls = 5000, victims = 1, blk = 0, net = 0, hvm = 0, rng = Campaign.Spec.DEFAULT_RNG;
        int parallel = 1;
        boolean xs = false, die = false, storm = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--xs" -> xs = true;
                case "--die" -> die = true;
                case "--storm" -> storm = true;
                case "-s", "-n", "-c", "-v", "-p", "--blk", "--net", "--hvm", "--rng" -> {
                    if (i + 1 >= args.size()) throw new IllegalArgumentException(a + " needs a number");
                    int n = number(a, args.get(++i));
                    switch (a) {
                        case "-s" -> seed = n;
                        case "-n" -> seeds = n;
                        case "-c" -> calls = n;
                        case "--blk" -> blk = n;
                        case "--net" -> net = n;
                        case "--hvm" -> hvm = n;
                        case "--rng" -> rng = n;
                        case "-p" -> parallel = n;
                        default -> victims = n;
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (seeds < 1 || seeds > 1_000_000) throw new IllegalArgumentException("-n " + seeds + ": 1..1000000 seeds");
        if (calls < 1) throw new IllegalArgumentException("-c " + calls + ": at least one call");
        if (victims < 0 || victims > 64) throw new IllegalArgumentException("-v " + victims + ": 0..64 victims");
        if (blk < 0 || blk > 100_000) throw new IllegalArgumentException("--blk " + blk + ": 0..100000 cases");
        if (net < 0 || net > 100_000) throw new IllegalArgumentException("--net " + net + ": 0..100000 cases");
        if (hvm < 0 || hvm > 10_000_000) throw new IllegalArgumentException("--hvm " + hvm + ": 0..10000000 ops");
        if (rng != 1 && rng != Campaign.Spec.DEFAULT_RNG) throw new IllegalArgumentException("--rng " + rng + ": 1 or 2");
        if (parallel < 1 || parallel > 64) throw new IllegalArgumentException("-p " + parallel + ": 1..64 fuzzers at once");
        return new Campaign.Spec(seed, seeds, calls, victims, xs, die, new DeviceAndHvmRuns.Spec(blk, net, hvm), rng, parallel,
                storm);
    }

    private static int number(String opt, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " '" + v + "' is not a whole number");
        }
    }
}
