package org.oxen.toolstack.xl.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.PoolSecret;
import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainSaveRestore;

/**
 * The receiving end of {@code xl migrate} (xl migrate-receive): with the framework property
 * {@code oxen.migration.port} set (8002 is xend's old relocation port), listens there on
 * {@code oxen.migration.address} (default 127.0.0.1: loopback only) and restores each incoming
 * domain as {@link MigrationWire} says. With a pool secret ({@code oxen.pool.secret}) only a
 * sender that proves it is served and the stream's MAC is checked before the domain may run
 * ({@link MigrationAuth}); without one there is no authentication, as xend's relocation server
 * had none (widen the address only on a trusted network). The stream is never encrypted. Without the property nothing listens. While
 * it listens it is registered as a service with the address and port it is bound to
 * ({@code oxen.migration.address}, {@code oxen.migration.port}: port 0 asks for any free one).
 *
 * <p>Design/Locking: one accept thread; one thread per migration, which owns its socket and the
 * domain it restores until "go"; {@link #deactivate} closes the server socket and every open
 * connection, so their threads end (a domain restored but not yet started is destroyed).
 */
@Component(immediate = true, service = {})
public final class MigrationReceiver {

    static final String PORT = "oxen.migration.port";
    static final String ADDRESS = "oxen.migration.address";
    /** The restored domain's name until the source has let its name go (xl's "--incoming"). */
    static final String INCOMING = "--incoming";

    private final Toolstack toolstack;
    private final DomainSaveRestore restorer;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final org.osgi.framework.ServiceRegistration<?> registration;
    private final MigrationAuth auth;

    @Activate
    public MigrationReceiver(@Reference Toolstack toolstack, @Reference DomainSaveRestore restorer, BundleContext ctx) {
        this.toolstack = toolstack;
        this.restorer = restorer;
        MigrationAuth a;
        try {
            a = new MigrationAuth(PoolSecret.read(ctx::getProperty));
        } catch (IllegalArgumentException e) {
            a = null;
            if (ctx.getProperty(PORT) != null) {
                System.err.println("oxen: not receiving migrations: " + e.getMessage());
            }
        }
        auth = a;
        server = auth == null ? null : listen(ctx, auth.hasSecret());
        if (server != null) {
            Thread t = new Thread(this::accept, "oxen-migration-receiver");
            t.setDaemon(true);
            t.start();
            java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
            props.put(ADDRESS, server.getInetAddress().getHostAddress());
            props.put(PORT, server.getLocalPort());
            registration = ctx.registerService(MigrationReceiver.class.getName(), this, props);
        } else {
            registration = null;
        }
    }

    private static ServerSocket listen(BundleContext ctx, boolean authenticated) {
        String port = ctx.getProperty(PORT);
        if (port == null || port.isBlank()) return null;
        String address = ctx.getProperty(ADDRESS) == null ? "127.0.0.1" : ctx.getProperty(ADDRESS);
        ServerSocket s = null;
        try {
            int p = Integer.parseInt(port.trim());
            s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), p));
            System.err.println("oxen: receiving migrations on " + address + ":" + s.getLocalPort()
                    + (authenticated ? " (authenticated with the pool secret)" : ""));
            return s;
        } catch (NumberFormatException | IOException e) {
            System.err.println("oxen: not receiving migrations: " + PORT + "=" + port + ", " + ADDRESS + "=" + address
                    + ": " + e.getMessage());
            if (s != null) close(s);
            return null;
        }
    }

    /** The port listened on, or -1. */
    int port() {
        return server == null ? -1 : server.getLocalPort();
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException gone) {
                // the bundle is stopping: unregistered already
            }
        }
        if (server != null) close(server);
        for (Socket s : open) close(s);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> receive(s), "oxen-migration-in-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void receive(Socket s) {
        DomainSaveRestore.Restored r = null;
        boolean started = false;
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 20);
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            MigrationAuth.MacInputStream stream;
            try {
                s.setSoTimeout(MigrationAuth.HANDSHAKE_TIMEOUT_MS); // a silent peer does not hold a thread
                stream = auth.receiver(MigrationWire.readLine(in), in, out).check(in);
                s.setSoTimeout(0);
            } catch (MigrationAuth.RefusedException | java.net.SocketTimeoutException e) {
                System.err.println("oxen: migration from " + s.getRemoteSocketAddress() + " refused: " + e.getMessage()
                        + "; nothing created");
                return;
            }
            try {
                r = restorer.restore(stream, saved -> saved + INCOMING);
                try {
                    MigrationAuth.verify(stream, in);
                } catch (MigrationAuth.RefusedException e) {
                    System.err.println("oxen: migration from " + s.getRemoteSocketAddress() + " refused: "
                            + e.getMessage() + "; the restored domain is destroyed unrun");
                    MigrationWire.writeLine(out, "error " + e.getMessage());
                    return; // r is destroyed below
                }
                String restoredName = r.domain().name();
                RestoreCommand.finish(toolstack, r,
                        restoredName.substring(0, restoredName.length() - INCOMING.length()), false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r = null;
                MigrationWire.writeLine(out, "error the receiver is stopping");
                return;
            } catch (DomainBuildException | XlError | IllegalArgumentException e) {
                r = null;
                MigrationWire.writeLine(out, "error " + e.getMessage().replace('\n', ' '));
                return;
            }
            MigrationWire.writeLine(out, "restored " + r.domain().id());
            String go = MigrationWire.readLine(in);
            if (!go.equals("go")) {
                MigrationWire.writeLine(out, "error expected 'go', got '" + go + "'");
                return;
            }
            String name = r.domain().name();
            try {
                toolstack.hypervisor().rename(r.domain().id(), name.substring(0, name.length() - INCOMING.length()));
                DomainSuspend.writeName(toolstack.xenstore(), r.domain());
            } catch (IllegalArgumentException | XlError e) {
                MigrationWire.writeLine(out, "error " + e.getMessage());
                return;
            }
            toolstack.hypervisor().unpause(r.domain().id());
            started = true;
            MigrationWire.writeLine(out, "running " + r.domain().id());
        } catch (IOException e) {
            // the sender went away (or we are stopping): below
        } finally {
            open.remove(s);
            if (r != null && !started) {
                toolstack.destroy(r.domain());
            }
        }
    }

    private static void close(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
