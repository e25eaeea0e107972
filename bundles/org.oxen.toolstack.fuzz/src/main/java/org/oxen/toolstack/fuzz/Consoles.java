package org.oxen.toolstack.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.GuestConsole;

/**
 * What a guest wrote: its console ring as the console backend logged it (the domain's
 * {@link GuestConsole} service), or, without a backend, console_io ({@link Domain#consoleOutput()}:
 * the kit writes there until a backend serves its ring, then replays it into the ring).
 *
 * <p>Stateless; the service is looked up on each read.
 */
final class Consoles {

    private final BundleContext ctx;

    /** ctx null: console_io only (outside a framework). */
    Consoles(BundleContext ctx) {
        this.ctx = ctx;
    }

    /** The output so far; of an ended domain, after the backend drained its ring (10 s at most). */
    String read(Domain d) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            GuestConsole c = console(d.id());
            if (c == null) return d.consoleOutput();
            boolean ended = d.state() == DomainState.SHUTDOWN || d.state() == DomainState.CRASHED;
            if (!ended || !c.isLive() || System.nanoTime() - end > 0) {
                return new String(c.log(), StandardCharsets.ISO_8859_1);
            }
            Thread.sleep(5);
        }
    }

    private GuestConsole console(int domid) {
        if (ctx == null) return null;
        try {
            Collection<ServiceReference<GuestConsole>> refs = ctx.getServiceReferences(GuestConsole.class,
                    "(" + GuestConsole.DOMID + "=" + domid + ")");
            for (ServiceReference<GuestConsole> r : refs) {
                GuestConsole c = ctx.getService(r);
                if (c != null) {
                    ctx.ungetService(r);
                    return c;
                }
            }
            return null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
