package org.oxen.toolstack.xl.internal.metrics;

import java.io.PrintStream;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.vmm.api.HypervisorMetrics;

/**
 * The {@code metrics} command in Gogo, the switch of the hypervisor's counters for metrics
 * (hypercalls by number, exits by reason, upcalls, events sent and delivered):
 *
 * <pre>
 * metrics on        count from now on
 * metrics off       stop counting (the counts stand still; CPU time, instructions and devices go on)
 * metrics [status]  whether they count
 * </pre>
 * The framework property {@code oxen.metrics=on|off} sets the switch at start. Errors are one
 * line on stderr and status 1 in the session variable {@code metrics.status}.
 *
 * <p>Locking: none of its own; the switch is the hypervisor's volatile flag.
 */
@Component(service = Function.class, immediate = true,
        property = {"osgi.command.scope=oxen", "osgi.command.function=metrics"})
public final class MetricsCommand implements Function {

    static final String USAGE = String.join("\n",
            "usage: metrics on        count hypercalls, exits, upcalls and events from now on",
            "       metrics off       stop counting them (the counts stand still)",
            "       metrics [status]  whether they count");

    private final HypervisorMetrics metrics;

    @Activate
    public MetricsCommand(@Reference HypervisorMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = arguments.stream().map(String::valueOf).toList();
        int status = run(args, session.getConsole(), System.err);
        session.getConsole().flush();
        session.put("metrics.status", status);
        return null;
    }

    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() > 1) {
            err.println("metrics: one subcommand at most, not " + args.size() + " words");
            err.println(USAGE);
            return 1;
        }
        switch (args.isEmpty() ? "status" : args.get(0)) {
            case "on" -> metrics.setCounting(true);
            case "off" -> metrics.setCounting(false);
            case "status" -> { }
            case "help", "-h" -> {
                out.println(USAGE);
                return 0;
            }
            default -> {
                err.println("metrics: unknown subcommand '" + args.get(0) + "'");
                err.println(USAGE);
                return 1;
            }
        }
        out.println("metrics: counting " + (metrics.counting() ? "on" : "off"));
        return 0;
    }
}
