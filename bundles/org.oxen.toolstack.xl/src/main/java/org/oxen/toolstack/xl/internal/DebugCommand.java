package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.debug.gdbstub.DebugTarget;
import org.oxen.debug.gdbstub.GdbServer;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;

/**
 * {@code xl debug <Domain> [port]}: a gdb remote-protocol stub for a guest domain on 127.0.0.1
 * (port 0 or none: a free one), as Xen's gdbsx serves one: attaching pauses the domain, other
 * domains run on. The domain's target is the hypervisor's {@link DebugTarget} service with
 * {@code oxen.domid}; the stub lives until the domain is destroyed or this command goes.
 *
 * <p>Locking: {@link #servers} and {@link #targets} are guarded by {@code servers}; the
 * reference callbacks and the command run on any thread.
 */
@Component(service = org.oxen.toolstack.xl.XlSubcommand.class)
public final class DebugCommand extends DomainSubcommand {

    private final Domains hv;
    private final Map<Integer, DebugTarget> targets = new HashMap<>();
    private final Map<Integer, GdbServer> servers = new HashMap<>();

    @Activate
    public DebugCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeTarget")
    void addTarget(DebugTarget t, Map<String, Object> props) {
        if (props.get("oxen.domid") instanceof Integer id) {
            synchronized (servers) {
                targets.put(id, t);
            }
        }
    }

    void removeTarget(DebugTarget t, Map<String, Object> props) {
        if (props.get("oxen.domid") instanceof Integer id) {
            GdbServer s;
            synchronized (servers) {
                targets.remove(id, t);
                s = servers.remove(id);
            }
            if (s != null) s.close(); // the domain is gone: its stub goes with it
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (servers) {
            servers.values().forEach(GdbServer::close);
            servers.clear();
        }
    }

    @Override
    public String name() {
        return "debug";
    }

    @Override
    public String summary() {
        return "Start a gdb stub for a domain on 127.0.0.1";
    }

    @Override
    public String usage() {
        return "<Domain> [port]";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        List<String> ops = inv.operands();
        if (ops.isEmpty() || ops.size() > 2) {
            throw new XlUsageException(ops.isEmpty() ? "'debug' requires a domain" : "too many arguments");
        }
        Domain d = DomainLookup.guest(hv, ops.get(0), "debugged");
        int port;
        try {
            port = ops.size() == 2 ? GdbServer.parsePort(ops.get(1)) : 0;
        } catch (IllegalArgumentException e) {
            throw new XlError("Error: " + e.getMessage());
        }
        GdbServer server;
        synchronized (servers) {
            server = servers.get(d.id());
            if (server != null && port != 0 && port != server.port()) {
                throw new XlError("Error: domain " + d.id() + " already has a gdb stub on 127.0.0.1:" + server.port());
            }
            if (server == null) {
                DebugTarget t = targets.get(d.id());
                if (t == null) {
                    throw new XlError("Error: domain " + d.id() + " cannot be debugged (no debug target: the "
                            + "hypervisor offers none for it)");
                }
                try {
                    server = GdbServer.start(t, port);
                } catch (IOException e) {
                    throw new XlError("Error: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
                }
                servers.put(d.id(), server);
            }
        }
        inv.out().println("domain " + d.id() + " (" + d.name() + "): gdb stub on 127.0.0.1:" + server.port()
                + " (gdb: target remote :" + server.port() + "; attaching pauses the domain)");
        return 0;
    }
}
