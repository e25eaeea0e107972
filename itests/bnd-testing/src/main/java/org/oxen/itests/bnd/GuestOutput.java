package org.oxen.itests.bnd;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.GuestConsole;

/**
 * What a guest wrote on its console: its console ring as the console backend logged it (the
 * {@link GuestConsole} service of the domain), not console_io ({@link Domain#consoleOutput()}, the
 * hypervisor's debug console) -- except while the ring has carried nothing yet.
 *
 * <p>A kit guest writes to console_io until the backend marks its ring connected and replays
 * that early output into the ring at its next write. A domain created running can print a line a
 * test waits for (the {@code grants} guest's "ready") and block waiting for the test before the
 * backend connects: its ring then stays empty, the log too, and the test waited its whole bound
 * for a line the guest had written (a loaded CI's GrantTablesServiceTest). So an empty log is
 * taken as console_io, as the backend itself keeps console_io as the log of a domain whose ring
 * never carried anything ({@code Consoled}'s end of a silent ring).
 */
final class GuestOutput {

    private GuestOutput() {
    }

    /**
     * The domain's console log; once the domain has ended, after the backend read the rest of its
     * ring (it drains an ended domain's ring once more, on its own thread).
     */
    static String of(Domain d) {
        BundleContext ctx = FrameworkUtil.getBundle(GuestOutput.class).getBundleContext();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            GuestConsole c = console(ctx, d.id());
            boolean ended = d.state() == DomainState.SHUTDOWN || d.state() == DomainState.CRASHED;
            if (c != null && (!ended || !c.isLive() || System.nanoTime() - end > 0)) {
                byte[] log = c.log();
                // the ring silent so far: what the guest wrote went to console_io (see above)
                return log.length == 0 ? d.consoleOutput() : new String(log, StandardCharsets.ISO_8859_1);
            }
            if (c == null && System.nanoTime() - end > 0) {
                return "(no console service for d" + d.id() + "; console_io:)\n" + d.consoleOutput();
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return d.consoleOutput();
            }
        }
    }

    private static GuestConsole console(BundleContext ctx, int domid) {
        try {
            Collection<ServiceReference<GuestConsole>> refs = ctx.getServiceReferences(GuestConsole.class,
                    "(" + GuestConsole.DOMID + "=" + domid + ")");
            for (ServiceReference<GuestConsole> r : refs) {
                GuestConsole c = ctx.getService(r);
                if (c != null) return c;
            }
            return null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
