package org.oxen.toolstack.xl.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.vmm.api.GuestConsole;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;

/**
 * {@code xl create <ConfigFile> [-p] [-c] [-n] [-q] [key=value ...]}: parse the config, apply the
 * overrides as extra lines, check it (name free, memory within the pool, kernel readable) and
 * only then create the domain. Nothing is half-created: every check comes before
 * {@code Hypervisor.create}, which itself leaks nothing when it refuses.
 */
@Component(service = XlSubcommand.class)
public final class CreateCommand extends DomainSubcommand {

    private final Toolstack toolstack;

    /** The domains' consoles (the console backend's services), for {@code -c}. */
    private final ConsoleServices consoles = new ConsoleServices();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeConsole")
    void addConsole(GuestConsole c) {
        consoles.add(c);
    }

    void removeConsole(GuestConsole c) {
        consoles.remove(c);
    }

    @Activate
    public CreateCommand(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "create";
    }

    @Override
    public String summary() {
        return "Create a domain from config file <filename>";
    }

    @Override
    public String usage() {
        return "<ConfigFile> [options] [vars]\n"
                + "-p                      Leave the domain paused after it is created.\n"
                + "-c                      Connect to the console after the domain is created.\n"
                + "-f FILE, --defconfig=FILE\n"
                + "                        Use the given configuration file.\n"
                + "-q, --quiet             Quiet.\n"
                + "-n, --dryrun            Dry run - prints the resulting configuration.\n"
                + "-d, -e                  Accepted for xl compatibility; no effect in oxen.\n"
                + "vars: key=value settings applied after the file, as extra xl.cfg lines\n"
                + "(a bare word is taken as a string: name=web2). kernel = \"guest:<name>\" boots a\n"
                + "PV program of oxen's guest kit; other kernel paths are relative to the config file.";
    }

    /** {@code xl -N create} prints the domain's configuration and creates nothing (like -n). */
    @Override
    public boolean canDryRun() {
        return true;
    }

    @Override
    public String shortOptions() {
        return "pcf:qnde";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"defconfig:=f", "quiet=q", "dryrun=n"};
    }

    /** {@code file} under {@code cwd}, kept relative when {@code cwd} is the process's directory (shorter messages). */
    static Path relativeTo(Path cwd, Path file) {
        Path here = Path.of("").toAbsolutePath();
        return cwd.equals(here) ? file : cwd.resolve(file);
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        List<String> operands = new ArrayList<>(inv.operands());
        String file = inv.options().value("f");
        if (file == null) {
            if (operands.isEmpty() || operands.get(0).contains("=")) {
                throw new XlUsageException("'create' requires a config file");
            }
            file = operands.remove(0);
        }
        for (String o : operands) {
            if (!o.contains("=")) {
                throw new XlUsageException("'" + o + "' is not a key=value setting");
            }
        }
        boolean quiet = inv.options().has("q");
        if (!quiet) {
            inv.err().println("Parsing config from " + file);
        }
        Path path = Path.of(file);
        DomainPlan plan = ConfigLoader.load(path.isAbsolute() ? path : relativeTo(inv.workingDirectory(), path),
                operands, toolstack.kernels());
        for (String w : plan.spec().warnings()) {
            inv.err().println("WARNING: " + w);
        }
        if (inv.options().has("n") || inv.dryRun()) {
            inv.out().println(Json.render(DomainJson.config(plan)));
            return 0;
        }
        boolean paused = inv.options().has("p"), console = inv.options().has("c");
        // -c: created paused and unpaused once the console is attached (libxl's aop_console_how runs
        // before the unpause), so the console shows everything the guest writes; attached only
        // after it ran, a guest that ended (or wrote before its backend connected) showed nothing
        Domain d = toolstack.create(plan, paused || console);
        if (inv.verbose()) {
            inv.err().println("Domain " + d.id() + " (" + d.name() + ") created");
        }
        if (console) {
            Runnable run = paused ? () -> { } : new Unpause(d.id());
            try {
                ConsoleCommand.attach(ConsoleCommand.awaitConsole(consoles, toolstack.hypervisor(), d), inv, 0,
                        run);
            } finally {
                run.run(); // no console (no backend, interrupted): the domain runs as without -c
            }
        }
        return 0;
    }

    /** Unpauses the new domain once, whichever of the console's attach or its failure comes first. */
    private final class Unpause implements Runnable {
        private final int domid;
        private boolean done;

        Unpause(int domid) {
            this.domid = domid;
        }

        @Override
        public synchronized void run() {
            if (done) return;
            done = true;
            try {
                toolstack.hypervisor().unpause(domid);
            } catch (IllegalArgumentException gone) {
                // destroyed meanwhile (xl destroy from another session): nothing to run
            }
        }
    }
}
