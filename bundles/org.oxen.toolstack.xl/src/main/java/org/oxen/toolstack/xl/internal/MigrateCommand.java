package org.oxen.toolstack.xl.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.PoolSecret;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainSaveRestore;

/**
 * {@code xl migrate [--live] <Domain> <host[:port]>} (xl's migrate, libxl_domain_suspend with
 * LIBXL_SUSPEND_LIVE): the domain goes to the oxen runtime listening at host:port
 * ({@link MigrationReceiver}; port 8002 unless given) over {@link MigrationWire}, the two ends
 * authenticating each other and the stream with the pool secret when one is set ({@link MigrationAuth}). Live: pre-copy
 * rounds while it runs (Clark et al.), one line per round, then it is suspended and the rest
 * follows; otherwise it is suspended first. Its disks and vifs travel in the toolstack data and
 * the target adds them; before the target runs it, the source's devices are released (a disk's
 * backend closes its image). Once the target runs it, the source is destroyed; if anything fails
 * before, the source gets its devices back, is resumed and goes on.
 */
@Component(service = XlSubcommand.class)
public final class MigrateCommand extends DomainSubcommand {

    private final Toolstack toolstack;
    private final DomainSaveRestore saver;
    /** Where the migration's progress goes. */
    @Reference
    private org.oxen.vmm.api.jobs.Jobs jobs;

    /** The source's name while the target takes over (xl's "--migratedaway"). */
    static final String MIGRATED_AWAY = "--migratedaway";

    /** The pool secret's authentication, or null when its property is unusable ({@link #authProblem}). */
    private final MigrationAuth auth;
    private final String authProblem;

    @Activate
    public MigrateCommand(@Reference Toolstack toolstack, @Reference DomainSaveRestore saver, BundleContext ctx) {
        this.toolstack = toolstack;
        this.saver = saver;
        MigrationAuth a = null;
        String problem = null;
        try {
            a = new MigrationAuth(PoolSecret.read(ctx::getProperty));
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        this.auth = a;
        this.authProblem = problem;
    }

    @Override
    public String name() {
        return "migrate";
    }

    @Override
    public String summary() {
        return "Migrate a domain to another host";
    }

    @Override
    public String usage() {
        return "[options] <Domain> <host[:port]>\n\n"
                + "--live  Pre-copy the domain's memory while it runs (otherwise it is suspended first).\n"
                + "The receiving oxen listens where its oxen.migration.port (and oxen.migration.address) say.";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"live=l"};
    }

    @Override
    public String shortOptions() {
        return "l";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        if (inv.operands().size() != 2) {
            throw new XlUsageException(inv.operands().size() < 2 ? "'migrate' requires a domain and a host"
                    : "too many arguments");
        }
        if (auth == null) {
            throw new XlError("xl migrate: " + authProblem);
        }
        Domain d = DomainLookup.guest(toolstack.hypervisor(), inv.operands().get(0), "migrated");
        InetSocketAddress target = address(inv.operands().get(1));
        boolean live = inv.options().has("l");
        DomainDevices.Devices devices = DomainDevices.read(toolstack.xenstore(), d.id());
        byte[] data = DomainSuspend.toolstackData(toolstack.xenstore(), d, devices,
                toolstack.plan(d.id()).map(DomainPlan::config));
        long t0 = System.nanoTime();
        long[] suspendedAt = {0};
        String name = d.name();
        boolean[] renamed = {false};
        boolean[] suspended = {false};
        boolean[] released = {false};
        DomainSaveRestore.Suspender suspender = () -> {
            try {
                DomainSuspend.suspend(toolstack.hypervisor(), saver, toolstack.xenstore(), d);
            } catch (XlError e) {
                throw new IOException(e.getMessage());
            }
            suspended[0] = true;
            suspendedAt[0] = System.nanoTime();
            if (saver.guestSuspends(d.id())) toolstack.awaitConsoleDrained(d); // an HVM domain's console is its COM1
        };
        long expected = d.memoryPages() << 12;
        org.oxen.vmm.api.jobs.Job job = jobs.start("migrate", name + " to " + target, expected);
        try (job; Socket s = new Socket()) {
            s.connect(target, 10_000);
            s.setTcpNoDelay(true);
            // progress: the bytes sent, each tenth of the memory on the shell as xl save prints them (a
            // live migration's first round sends the memory: its later rounds, which resend dirty
            // pages past 100 %, print a line each below)
            OutputStream out = org.oxen.toolstack.xl.internal.jobs.ProgressStreams.counting(
                    new BufferedOutputStream(s.getOutputStream(), 1 << 20), job, inv.err(), "xl migrate", expected);
            InputStream in = new BufferedInputStream(s.getInputStream());
            // a peer that never answers the hello (no oxen migration port) must not hang xl migrate
            s.setSoTimeout(MigrationAuth.HANDSHAKE_TIMEOUT_MS);
            MigrationAuth.Session session;
            try {
                session = auth.sender(in, out, target.toString());
            } catch (java.net.SocketTimeoutException e) {
                throw new IOException("the target at " + target + " did not answer the migration hello within "
                        + MigrationAuth.HANDSHAKE_TIMEOUT_MS / 1000 + " s (is it an oxen migration port?)");
            }
            s.setSoTimeout(0);
            MigrationAuth.MacOutputStream stream = session.sign(out);
            inv.err().println("migration target: " + target + (live ? " (live)" : "")
                    + (auth.hasSecret() ? ", authenticated with the pool secret" : ""));
            DomainSaveRestore.Saved saved;
            if (live) {
                saved = saver.saveLive(d.id(), stream, data, DomainSaveRestore.LiveOptions.DEFAULT, suspender,
                        r -> {
                            job.phase(r.last() ? "stop-and-copy" : "round " + r.number());
                            inv.err().printf("migration round %d%s: %d pages sent, %d dirtied meanwhile, %d KiB in %d ms%n",
                                r.number(), r.last() ? " (stop-and-copy)" : "", r.pagesSent(), r.dirtyAfter(),
                                r.bytes() >> 10, r.nanos() / 1_000_000);
                        });
            } else {
                suspender.suspend();
                saved = saver.save(d.id(), stream, data);
            }
            MigrationAuth.finish(stream, out);
            String reply = MigrationWire.readLine(in);
            if (!reply.startsWith("restored ")) throw new IOException("the target refused: " + reply);
            // xl: the source lets its name go, so a target on this same runtime can take it
            toolstack.hypervisor().rename(d.id(), name + MIGRATED_AWAY);
            renamed[0] = true;
            // and its devices: their backends close (a disk's image unlocked) before the target's open
            released[0] = true;
            DomainDevices.release(toolstack.xenstore(), d.id(), devices);
            MigrationWire.writeLine(out, "go");
            reply = MigrationWire.readLine(in);
            if (!reply.startsWith("running ")) throw new IOException("the target did not start the domain: " + reply);
            long now = System.nanoTime();
            toolstack.destroy(d);
            inv.err().printf("migration of domain %d done: %d pages, %d KiB; downtime %d ms, total %d ms; now domain %s"
                    + " at %s%n", d.id(), saved.pages(), saved.bytes() >> 10, (now - suspendedAt[0]) / 1_000_000,
                    (now - t0) / 1_000_000, reply.substring(8), target);
            return 0;
        } catch (IOException | RuntimeException | XlError | InterruptedException e) {
            // an interrupted migration is undone too: the flag waits until the source runs again
            boolean interrupted = Thread.interrupted() | e instanceof InterruptedException;
            String devicesBack = "";
            if (released[0]) {
                try {
                    DomainDevices.add(toolstack.xenstore(), d.id(), devices);
                } catch (XlError | InterruptedException again) {
                    devicesBack = "; its devices could not be added again: " + again.getMessage();
                }
            }
            if (renamed[0]) {
                try {
                    toolstack.hypervisor().rename(d.id(), name);
                } catch (IllegalArgumentException taken) {
                    // the target took the name after all: ours stays --migratedaway
                }
            }
            if (suspended[0] || d.shutdownReason().isPresent()) {
                try {
                    saver.resume(d.id());
                } catch (RuntimeException notSuspended) {
                    // it was not suspended after all (shut down for another reason): left as it is
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            throw new XlError("Migration of domain " + d.id() + " to " + target + " failed: " + e.getMessage()
                    + (suspended[0] ? "; the domain was resumed here" : "; the domain goes on here") + devicesBack);
        }
    }

    static InetSocketAddress address(String hostPort) throws XlUsageException {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        int port = MigrationWire.DEFAULT_PORT;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) throw new XlUsageException("'" + hostPort + "': the port must be 1..65535");
        }
        if (host.isEmpty()) throw new XlUsageException("'" + hostPort + "': no host");
        return new InetSocketAddress(host, port);
    }
}
