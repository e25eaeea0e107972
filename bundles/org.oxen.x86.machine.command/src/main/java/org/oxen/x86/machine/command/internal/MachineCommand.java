package org.oxen.x86.machine.command.internal;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.debug.gdbstub.GdbServer;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineException;
import org.oxen.x86.machine.MachineState;
import org.oxen.x86.machine.Machines;

/**
 * The {@code machine} command in Gogo: boot a kernel or ROM on a bare PC and watch it.
 *
 * <pre>
 * machine boot &lt;image&gt; [-m MiB] [-c cpus] [--serial stdio|file:PATH|tcp:PORT|none] [--cmdline ARGS]
 *              [--module 'PATH [ARGS]']... [-d DESCRIPTION] [--deterministic] [-w] [-t SECONDS]
 * machine list
 * machine console &lt;id&gt; [-d device] [-f]   (-f: follow until the machine ends)
 * machine stop &lt;id&gt;
 * machine remove &lt;id&gt;   (forget an ended machine)
 * machine gdb &lt;id&gt; [port]   (a gdb stub on 127.0.0.1:port, 0 or none for a free port)
 * machine devices          (installed device types)
 * machine describe [-d DESCRIPTION]   (the description boot would use)
 * </pre>
 * {@code --serial stdio} (or {@code -w}) waits for the machine to end while COM1 prints to the
 * session, then prints how it ended; without them boot returns at once (a script that wants
 * the machine's end uses {@code -w}). The exit status of a machine that wrote port 0xF4 goes
 * to the session variable {@code machine.status} (-1 otherwise).
 */
@Component(service = MachineCommand.class, immediate = true,
        property = {"osgi.command.scope=oxen", "osgi.command.function=machine"})
public final class MachineCommand {

    static final String USAGE = String.join("\n",
            "usage: machine boot <image> [-m MiB] [-c cpus] [--serial stdio|file:PATH|tcp:PORT|none]",
            "                    [--cmdline ARGS] [--module 'PATH [ARGS]']... [-d DESCRIPTION]",
            "                    [--deterministic] [-w|--wait] [-t|--timeout SECONDS]",
            "       machine list",
            "       machine console <id> [-d DEVICE] [-f|--follow]",
            "       machine stop <id>",
            "       machine remove <id>      (forget an ended machine)",
            "       machine gdb <id> [port]  (gdb stub on 127.0.0.1; gdb: target remote :PORT)",
            "       machine devices",
            "       machine describe [-m MiB] [-c cpus] [-d DESCRIPTION]");

    private final Machines machines;
    /** The gdb stubs started by {@code machine gdb}, by machine id (guarded by itself). */
    private final Map<Integer, GdbServer> gdbServers = new HashMap<>();

    /**
     * Where exit statuses go: {@code IntConsumer} services with {@code oxen.command.status=true}
     * (the runtime's process exit status, provided by the toolstack; a JDK type, so this bundle
     * imports no toolstack API).
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(oxen.command.status=true)")
    volatile List<IntConsumer> statusSinks = List.of();

    @org.osgi.service.component.annotations.Activate
    public MachineCommand(@Reference Machines machines) {
        this.machines = machines;
    }

    @Descriptor("boot kernels and ROMs on bare PCs: 'machine help' for usage")
    public void machine(CommandSession session, @Descriptor("subcommand and its arguments") String... args) {
        PrintStream out = session.getConsole();
        int status = run(Arrays.asList(args), out, System.err, session);
        session.put("machine.rc", status);
        statusSinks.forEach(sink -> sink.accept(status));
    }

    /** Runs one command; returns 0 on success, 1 on errors. Prints to {@code out}/{@code err}. */
    int run(List<String> args, PrintStream out, PrintStream err, CommandSession session) {
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("-h")) {
            out.println(USAGE);
            return args.isEmpty() ? 1 : 0;
        }
        try {
            String sub = args.get(0);
            Opts o = Opts.parse(args.subList(1, args.size()), Map.of(
                    "m", "m", "c", "c", "serial", "serial", "cmdline", "cmdline", "module", "module",
                    "d", "d", "t", "t", "timeout", "t", "describe", "d"),
                    Set.of("deterministic", "w", "wait", "f", "follow"));
            switch (sub) {
                case "boot":
                    return boot(o, out, err, session);
                case "list":
                    list(out);
                    return 0;
                case "console": {
                    Machine m = machine(o);
                    String dev = o.value("d");
                    String text = dev == null ? m.console() : m.console(dev);
                    if (text == null) {
                        throw new MachineException("machine " + m.id() + " has no console on device '" + dev + "'");
                    }
                    out.print(text);
                    out.flush();
                    if (o.has("f") || o.has("follow")) {
                        follow(m, dev, text.length(), out);
                    }
                    return 0;
                }
                case "stop": {
                    Machine m = machine(o);
                    m.stop();
                    m.awaitEnd(Duration.ofSeconds(5));
                    out.println("machine " + m.id() + " (" + m.name() + "): " + describeEnd(m));
                    return 0;
                }
                case "remove": {
                    Machine m = machine(o);
                    if (!machines.remove(m.id())) {
                        throw new MachineException("machine " + m.id() + " is running ('machine stop " + m.id() + "' first)");
                    }
                    synchronized (gdbServers) {
                        GdbServer g = gdbServers.remove(m.id());
                        if (g != null) {
                            g.close();
                        }
                    }
                    return 0;
                }
                case "gdb":
                    gdb(o, out);
                    return 0;
                case "devices":
                    out.println(String.join(" ", machines.deviceTypes()));
                    return 0;
                case "describe":
                    out.println(description(o));
                    return 0;
                default:
                    throw new MachineException("unknown subcommand '" + sub + "'\n" + USAGE);
            }
        } catch (MachineException e) {
            err.println("machine: " + e.getMessage());
            err.flush();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("(interrupted; the machine keeps running)");
            return 1;
        }
    }

    private static MachineDescription description(Opts o) {
        MachineDescription d = MachineDescription.pc();
        if (o.value("d") != null) {
            String text = o.value("d");
            Path p = Path.of(text);
            if (!text.contains("=") && !text.contains(";") && Files.isRegularFile(p)) {
                try {
                    text = Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new MachineException(p + ": cannot read the machine description: " + e.getMessage());
                }
            }
            d = d.apply(text);
        }
        if (o.value("m") != null) {
            d = d.apply("ram=" + o.value("m"));
        }
        if (o.value("c") != null) {
            d = d.apply("cpus=" + o.value("c"));
        }
        if (o.has("deterministic")) {
            d = d.withClock(MachineDescription.ClockMode.DETERMINISTIC);
        }
        return d;
    }

    private int boot(Opts o, PrintStream out, PrintStream err, CommandSession session) throws InterruptedException {
        if (o.operands().size() != 1) {
            throw new MachineException("boot needs exactly one image\n" + USAGE);
        }
        Path image = Path.of(o.operands().get(0));
        MachineDescription d = description(o);
        checkFile(image, "a kernel or ROM image", d);
        String serial = o.value("serial");
        boolean stdio = "stdio".equals(serial);
        if (serial != null && d.device("com1") != null) {
            d = d.withOption("com1", "console", stdio ? "gogo" : serial);
        } else if (serial != null) {
            throw new MachineException("--serial: the machine has no device com1");
        }
        List<BootImage.Module> modules = new ArrayList<>();
        for (String m : o.values("module")) {
            String[] parts = m.strip().split("\\s+", 2);
            checkFile(Path.of(parts[0]), "a module", d);
            try {
                modules.add(BootImage.Module.read(Path.of(parts[0]), parts.length > 1 ? parts[1] : ""));
            } catch (OutOfMemoryError e) {
                throw new MachineException("module " + parts[0] + ": does not fit the Java heap ("
                        + (Runtime.getRuntime().maxMemory() >> 20) + " MiB max; 'machine list' shows ended machines"
                        + " that still hold memory, 'machine remove <id>' frees it)");
            }
        }
        BootImage img = BootImage.read(image, o.value("cmdline"), modules);
        Machine m = machines.boot(d, img, out);
        boolean wait = stdio || o.has("w") || o.has("wait");
        if (session != null) {
            session.put("machine.id", m.id());
            session.put("machine.status", -1);
        }
        if (!wait) {
            out.println("machine " + m.id() + " (" + m.name() + ") started");
            return 0;
        }
        long seconds = o.value("t") == null ? Long.MAX_VALUE / 1_000_000_000L : Long.parseLong(o.value("t"));
        boolean ended = m.awaitEnd(Duration.ofSeconds(seconds));
        out.flush();
        if (!ended) {
            out.println("machine " + m.id() + " (" + m.name() + ") still running after " + seconds + " s");
            return 1;
        }
        if (!stdio) {
            out.print(m.console());
        }
        String text = m.console();
        if (!text.isEmpty() && !text.endsWith("\n")) {
            out.println();
        }
        out.println("machine " + m.id() + " (" + m.name() + "): " + describeEnd(m));
        if (session != null && m.exitStatus() != null) {
            session.put("machine.status", m.exitStatus());
        }
        return m.state() == MachineState.EXITED || m.state() == MachineState.HALTED ? 0 : 1;
    }

    /**
     * Refuses what cannot be an image before it is read: a missing file, a directory, a device or
     * FIFO (read until memory runs out, or forever), a file larger than the machine's RAM.
     */
    private static void checkFile(Path file, String what, MachineDescription d) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (java.io.IOException e) {
            throw new MachineException(file + ": no such file");
        }
        if (a.isDirectory()) {
            throw new MachineException(file + ": is a directory, not " + what);
        }
        if (!a.isRegularFile()) {
            throw new MachineException(file + ": not a regular file (a device, FIFO or socket)");
        }
        if (a.size() > ((long) d.ramMiB() << 20)) {
            throw new MachineException(file + ": " + a.size() + " bytes do not fit the machine's " + d.ramMiB()
                    + " MiB of RAM");
        }
    }

    /** Prints new console output every 100 ms until the machine ends, then how it ended. */
    private static void follow(Machine m, String dev, int printed, PrintStream out) throws InterruptedException {
        boolean ended;
        do {
            ended = m.awaitEnd(Duration.ofMillis(100));
            String text = dev == null ? m.console() : m.console(dev);
            if (text.length() > printed) {
                out.print(text.substring(printed));
                out.flush();
            }
            printed = text.length(); // a buffer trimmed past 1 MiB restarts from its end
        } while (!ended);
        out.println("machine " + m.id() + " (" + m.name() + "): " + describeEnd(m));
    }

    private static String describeEnd(Machine m) {
        return switch (m.state()) {
            case RUNNING -> "running";
            case EXITED -> "exited, exit status " + m.exitStatus();
            default -> m.state().name().toLowerCase() + " (" + m.reason() + ")";
        };
    }

    private void list(PrintStream out) {
        out.printf("%-4s %-24s %-9s %4s %6s %14s %7s %9s  %s%n", "ID", "NAME", "STATE", "CPUS", "MiB", "INSTRUCTIONS",
                "REGIONS", "TIME(s)", "END");
        for (Machine m : machines.list()) {
            out.printf("%-4d %-24s %-9s %4d %6d %14d %7d %9.3f  %s%n", m.id(), m.name(), m.state().name().toLowerCase(),
                    m.description().cpus(), m.description().ramMiB(), m.instructions(), m.translatedRegions(),
                    m.nanos() / 1e9,
                    m.state() == MachineState.RUNNING ? "" : describeEnd(m));
        }
    }

    /** Starts (or shows) the machine's gdb stub; it lives until the machine is removed or the command goes. */
    private void gdb(Opts o, PrintStream out) {
        List<String> ops = o.operands();
        if (ops.isEmpty() || ops.size() > 2) {
            throw new MachineException("usage: machine gdb <id> [port]");
        }
        Machine m = machine(ops.get(0));
        int port;
        try {
            port = ops.size() == 2 ? GdbServer.parsePort(ops.get(1)) : 0;
        } catch (IllegalArgumentException e) {
            throw new MachineException(e.getMessage(), e);
        }
        if (m.state() != MachineState.RUNNING) {
            throw new MachineException("machine " + m.id() + " has ended (" + describeEnd(m) + "): nothing to debug");
        }
        GdbServer server;
        synchronized (gdbServers) {
            server = gdbServers.get(m.id());
            if (server == null) {
                try {
                    server = GdbServer.start(m.debugTarget(), port);
                } catch (java.io.IOException e) {
                    throw new MachineException(e.getMessage(), e);
                }
                gdbServers.put(m.id(), server);
            } else if (port != 0 && port != server.port()) {
                throw new MachineException("machine " + m.id() + " already has a gdb stub on 127.0.0.1:" + server.port());
            }
        }
        out.println("machine " + m.id() + ": gdb stub on 127.0.0.1:" + server.port() + " (gdb: target remote :"
                + server.port() + "; attaching stops the machine)");
    }

    @org.osgi.service.component.annotations.Deactivate
    void deactivate() {
        synchronized (gdbServers) {
            gdbServers.values().forEach(GdbServer::close);
            gdbServers.clear();
        }
    }

    private Machine machine(Opts o) {
        if (o.operands().size() != 1) {
            throw new MachineException("expected one machine id");
        }
        return machine(o.operands().get(0));
    }

    private Machine machine(String operand) {
        int id;
        try {
            id = Integer.parseInt(operand);
        } catch (NumberFormatException e) {
            throw new MachineException("'" + operand + "' is not a machine id");
        }
        Machine m = machines.get(id);
        if (m == null) {
            throw new MachineException("no machine " + id + " ('machine list' shows them)");
        }
        return m;
    }

    /** getopt-style options: {@code -m 64}, {@code -m64}, {@code --serial stdio}, {@code --serial=stdio}, {@code --}. */
    static final class Opts {
        private final Map<String, List<String>> values = new HashMap<>();
        private final List<String> operands = new ArrayList<>();

        static Opts parse(List<String> args, Map<String, String> withArg, Set<String> flags) {
            Opts o = new Opts();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--")) {
                    o.operands.addAll(args.subList(i + 1, args.size()));
                    break;
                }
                if (!a.startsWith("-") || a.equals("-")) {
                    o.operands.add(a);
                    continue;
                }
                boolean longOpt = a.startsWith("--");
                String name = longOpt ? a.substring(2) : a.substring(1, 2);
                String inline = null;
                if (longOpt && name.contains("=")) {
                    inline = name.substring(name.indexOf('=') + 1);
                    name = name.substring(0, name.indexOf('='));
                } else if (!longOpt && a.length() > 2) {
                    inline = a.substring(2);
                }
                if (flags.contains(name)) {
                    if (inline != null && longOpt) {
                        throw new MachineException("option '--" + name + "' doesn't allow an argument");
                    }
                    o.values.computeIfAbsent(name, k -> new ArrayList<>()).add("");
                    if (inline != null) { // clustered short flags: -wx
                        for (char c : inline.toCharArray()) {
                            if (!flags.contains(String.valueOf(c))) {
                                throw new MachineException("invalid option -- '" + c + "'");
                            }
                            o.values.computeIfAbsent(String.valueOf(c), k -> new ArrayList<>()).add("");
                        }
                    }
                    continue;
                }
                String key = withArg.get(name);
                if (key == null) {
                    throw new MachineException(longOpt ? "unrecognized option '--" + name + "'" : "invalid option -- '" + name + "'");
                }
                if (inline == null) {
                    if (i + 1 >= args.size()) {
                        throw new MachineException(longOpt ? "option '--" + name + "' requires an argument"
                                : "option requires an argument -- '" + name + "'");
                    }
                    inline = args.get(++i);
                }
                o.values.computeIfAbsent(key, k -> new ArrayList<>()).add(inline);
            }
            return o;
        }

        boolean has(String key) {
            return values.containsKey(key);
        }

        String value(String key) {
            List<String> v = values.get(key);
            return v == null ? null : v.get(v.size() - 1);
        }

        List<String> values(String key) {
            return values.getOrDefault(key, List.of());
        }

        List<String> operands() {
            return operands;
        }
    }
}
