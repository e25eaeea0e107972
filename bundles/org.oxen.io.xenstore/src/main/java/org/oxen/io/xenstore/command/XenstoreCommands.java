package org.oxen.io.xenstore.command;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * The xenstore-* tools of Xen (tools/xenstore/xenstore_client.c) as Gogo commands, as Domain-0:
 * {@code xenstore-read}, {@code -write}, {@code -rm}, {@code -list}, {@code -ls}, {@code -exists},
 * {@code -chmod}, {@code -watch}. Gogo names cannot carry a '-' as a method name, so each is a
 * {@link Function} service of its own. Output and errors as the C tools print them; an error
 * sets the session variable {@code xenstore.status} to 1 (0 on success).
 */
@Component(immediate = true)
public final class XenstoreCommands {

    private final XenstoreClient client;
    private final List<ServiceRegistration<Function>> registrations = new ArrayList<>();

    private interface Tool {
        void run(List<String> args, PrintStream out) throws XenstoreException, UsageException;
    }

    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String usage) {
            super(usage);
        }
    }

    @Activate
    public XenstoreCommands(@Reference Xenstore xenstore, BundleContext context) {
        this.client = xenstore.connect();
        register(context, "read", "xenstore-read <path>...", (a, out) -> {
            need(a, 1, "xenstore-read <path>...");
            for (String p : a) {
                out.println(client.read(p).orElseThrow(() -> new XenstoreException("ENOENT", "could not read path " + p)));
            }
        });
        register(context, "write", "xenstore-write <path> <value> [<path> <value>]...", (a, out) -> {
            if (a.isEmpty() || a.size() % 2 != 0) throw new UsageException("xenstore-write <path> <value> [<path> <value>]...");
            for (int i = 0; i < a.size(); i += 2) client.write(a.get(i), a.get(i + 1));
        });
        register(context, "rm", "xenstore-rm <path>...", (a, out) -> {
            need(a, 1, "xenstore-rm <path>...");
            for (String p : a) client.rm(p);
        });
        register(context, "exists", "xenstore-exists <path>...", (a, out) -> {
            need(a, 1, "xenstore-exists <path>...");
            for (String p : a) {
                if (client.read(p).isEmpty()) throw new XenstoreException("ENOENT", "could not access path " + p);
            }
        });
        register(context, "list", "xenstore-list <path>", (a, out) -> {
            need(a, 1, "xenstore-list <path>");
            for (String c : client.directory(a.get(0))) out.println(c);
        });
        register(context, "ls", "xenstore-ls [<path>]", (a, out) -> {
            String root = a.isEmpty() ? "/" : a.get(0);
            ls(root, "", out);
        });
        register(context, "chmod", "xenstore-chmod <path> <perm>...", (a, out) -> {
            need(a, 2, "xenstore-chmod <path> <perm>...");
            client.setPermissions(a.get(0), a.subList(1, a.size()));
        });
        register(context, "watch", "xenstore-watch [-n <events>] <path>", (a, out) -> {
            int events = 1;
            List<String> rest = new ArrayList<>(a);
            if (rest.size() >= 2 && rest.get(0).equals("-n")) {
                try {
                    events = Integer.parseInt(rest.get(1));
                } catch (NumberFormatException e) {
                    throw new UsageException("xenstore-watch [-n <events>] <path>: -n wants a number, not " + rest.get(1));
                }
                rest = rest.subList(2, rest.size());
            }
            need(rest, 1, "xenstore-watch [-n <events>] <path>");
            java.util.concurrent.BlockingQueue<String> q = new java.util.concurrent.LinkedBlockingQueue<>();
            try (AutoCloseable w = client.watch(rest.get(0), "gogo", (path, token) -> q.add(path))) {
                for (int i = 0; i < events; i++) out.println(q.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (XenstoreException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void need(List<String> a, int n, String usage) throws UsageException {
        if (a.size() < n) throw new UsageException(usage);
    }

    /** xenstore-ls's tree: two spaces per level, {@code name = "value"}. */
    private void ls(String path, String indent, PrintStream out) throws XenstoreException {
        for (String c : client.directory(path)) {
            String child = path.equals("/") ? "/" + c : path + "/" + c;
            Optional<String> v = client.read(child);
            out.println(indent + c + " = \"" + v.orElse("") + "\"");
            ls(child, indent + " ", out);
        }
    }

    private void register(BundleContext context, String name, String usage, Tool tool) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "xenstore");
        props.put("osgi.command.function", new String[] {"xenstore-" + name});
        Function f = (CommandSession session, List<Object> arguments) -> {
            List<String> args = arguments.stream().map(String::valueOf).toList();
            try {
                tool.run(args, session.getConsole());
                session.put("xenstore.status", 0);
            } catch (XenstoreException e) {
                session.getConsole().flush();
                System.err.println("xenstore-" + name + ": " + e.getMessage());
                session.put("xenstore.status", 1);
            } catch (UsageException e) {
                System.err.println("Usage: " + e.getMessage());
                session.put("xenstore.status", 2);
            }
            return null;
        };
        registrations.add(context.registerService(Function.class, f, props));
    }

    @Deactivate
    void deactivate() {
        registrations.forEach(r -> {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
        });
        client.close();
    }
}
