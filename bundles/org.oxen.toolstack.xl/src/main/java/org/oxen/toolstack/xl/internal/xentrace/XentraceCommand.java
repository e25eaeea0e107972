package org.oxen.toolstack.xl.internal.xentrace;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.trace.HypervisorTrace;

/**
 * The {@code xentrace} command in Gogo over the hypervisor's trace buffers:
 *
 * <pre>
 * xentrace start [-e MASK]    trace the events MASK selects (default all)
 * xentrace stop               trace nothing more (the records stay to be dumped or written)
 * xentrace mask [MASK]        show or set the mask
 * xentrace dump [-n MAX]      take the records out and print them as xentrace_format does
 * xentrace write FILE         take the records out into FILE in xentrace's binary format
 * xentrace status             mask, buffers, records lost
 * </pre>
 * A MASK is a number (0x0002f000) or classes joined with + (sched+pv; all). Errors are one line on
 * stderr and status 1 in the session variable {@code xentrace.status}.
 *
 * <p>Locking: none of its own; the trace service serialises drains.
 */
@Component(service = Function.class, immediate = true,
        property = {"osgi.command.scope=oxen", "osgi.command.function=xentrace"})
public final class XentraceCommand implements Function {

    static final String USAGE = String.join("\n",
            "usage: xentrace start [-e MASK]    trace the events MASK selects (default all)",
            "       xentrace stop               trace nothing more",
            "       xentrace mask [MASK]        show or set the mask",
            "       xentrace dump [-n MAX]      take the records out, print them (xentrace_format)",
            "       xentrace write FILE         take the records out into FILE (xentrace's binary format)",
            "       xentrace status             mask, buffers, records lost",
            "MASK: a number (0x0002f000) or classes joined with + (all, sched, dom0op, hvm, mem, pv, evtchn, backend, gen)");

    private final HypervisorTrace trace;

    @Activate
    public XentraceCommand(@Reference HypervisorTrace trace) {
        this.trace = trace;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = arguments.stream().map(String::valueOf).toList();
        int status = run(args, session.getConsole(), System.err);
        session.getConsole().flush();
        session.put("xentrace.status", status);
        return null;
    }

    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.println(USAGE);
            return 1;
        }
        try {
            List<String> rest = args.subList(1, args.size());
            switch (args.get(0)) {
                case "start" -> {
                    int m = Trace.TRC_ALL;
                    if (rest.size() == 2 && rest.get(0).equals("-e")) m = TraceNames.masks(rest.get(1));
                    else if (!rest.isEmpty()) throw new IllegalArgumentException("start takes [-e MASK]");
                    trace.enable(m);
                    out.printf("xentrace: tracing mask 0x%08x on %d buffers of %d records%n", m, trace.buffers(), trace.recordsPerBuffer());
                }
                case "stop" -> {
                    trace.enable(0);
                    out.println("xentrace: stopped");
                }
                case "mask" -> {
                    if (rest.size() == 1) trace.enable(TraceNames.masks(rest.get(0)));
                    else if (!rest.isEmpty()) throw new IllegalArgumentException("mask takes at most one MASK");
                    out.printf("0x%08x%n", trace.mask());
                }
                case "status" -> out.printf("mask 0x%08x, %d buffers (pCPUs then Domain-0) of %d records, %d lost%n",
                        trace.mask(), trace.buffers(), trace.recordsPerBuffer(), trace.lost());
                case "dump" -> dump(rest, out);
                case "write" -> write(rest, out);
                case "help", "-h" -> out.println(USAGE);
                default -> throw new IllegalArgumentException("unknown subcommand '" + args.get(0) + "'");
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("xentrace: " + e.getMessage());
            err.println(USAGE);
        } catch (IOException e) {
            err.println("xentrace: " + e.getMessage());
        }
        return 1;
    }

    private void dump(List<String> rest, PrintStream out) {
        long max = Long.MAX_VALUE;
        if (rest.size() == 2 && rest.get(0).equals("-n")) {
            try {
                max = Long.parseLong(rest.get(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-n takes a number of records, not '" + rest.get(1) + "'");
            }
        } else if (!rest.isEmpty()) {
            throw new IllegalArgumentException("dump takes [-n MAX]");
        }
        long limit = max;
        long[] shown = {0, -1, 0};
        StringBuilder line = new StringBuilder(128);
        long n = trace.drain((buf, ns, event, extra, count) -> {
            if (shown[0]++ >= limit) return;
            line.setLength(0);
            long rel = shown[1] < 0 || buf != shown[2] ? 0 : ns - shown[1];
            shown[1] = ns;
            shown[2] = buf;
            line.append(String.format(Locale.ROOT, "CPU%-2s %15d (+%10d)  %-26s [", buf == trace.buffers() - 1 ? "d0" : buf, ns, rel,
                    TraceNames.name(event)));
            for (int i = 0; i < count; i++) line.append(String.format(" 0x%08x", extra[i]));
            out.println(line.append(" ]"));
        });
        if (n > limit) out.println("xentrace: " + (n - limit) + " more records taken out, not shown (-n " + limit + ")");
    }

    private void write(List<String> rest, PrintStream out) throws IOException {
        if (rest.size() != 1) throw new IllegalArgumentException("write takes one FILE");
        Path file = Path.of(rest.get(0));
        if (Files.isDirectory(file)) throw new IllegalArgumentException(file + " is a directory");
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file))) {
            TraceFile tf = new TraceFile(os);
            trace.drain(tf);
            long n = tf.finish();
            out.println("xentrace: " + n + " records written to " + file + " (" + Files.size(file) + " bytes)");
        }
    }
}
