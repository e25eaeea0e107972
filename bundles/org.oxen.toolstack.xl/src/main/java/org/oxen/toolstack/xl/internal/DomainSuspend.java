package org.oxen.toolstack.xl.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * The toolstack's share of save, restore and migration (libxl_dom_suspend.c and libxl's
 * toolstack record): asking a PV guest to suspend through {@code control/shutdown} = "suspend"
 * and waiting until it has (libxl__domain_suspend_common: the guest acknowledges by writing
 * "" and calls SCHEDOP_shutdown(SHUTDOWN_suspend)); the domain's xenstore subtree as the
 * toolstack data of the stream, and written back under the new domain's path on restore
 * (nodes the introduction of the new domain wrote already are kept, permissions follow the
 * new domain id). Stateless.
 */
final class DomainSuspend {

    /** How long a guest may take to suspend (libxl's suspend timeout is 60 s). */
    static final long SUSPEND_TIMEOUT_S = 60;
    /** Toolstack data: "OXTS", version 1, then the nodes. */
    private static final int TOOLSTACK_MAGIC = 0x4F585453;

    private DomainSuspend() {
    }

    /** Asks {@code d} to suspend and waits until it has. */
    static void suspend(Xenstore xenstore, Domain d) throws XlError, InterruptedException {
        if (xenstore == null) {
            throw new XlError("Domain " + d.id() + " cannot be suspended: the PV control interface needs xenstored");
        }
        String node = "/local/domain/" + d.id() + "/control/shutdown";
        try (XenstoreClient xs = xenstore.connect()) {
            if (xs.read(node).isEmpty()) {
                throw new XlError("Domain " + d.id() + " has no PV control interface (" + node + "): it cannot be suspended");
            }
            xs.write(node, "suspend");
            if (!d.awaitShutdown(SUSPEND_TIMEOUT_S, TimeUnit.SECONDS)) {
                xs.write(node, "");
                throw new XlError("Domain " + d.id() + " did not suspend within " + SUSPEND_TIMEOUT_S
                        + " s (does its kernel answer control/shutdown = \"suspend\"?)");
            }
        } catch (XenstoreException e) {
            throw new XlError("Domain " + d.id() + ": writing its suspend request: " + e.getMessage());
        }
        ShutdownReason r = d.shutdownReason().orElse(null);
        if (r != ShutdownReason.SUSPEND) {
            throw new XlError("Domain " + d.id() + " shut down (" + (r == null ? d.state() : r.name().toLowerCase())
                    + ") instead of suspending");
        }
    }

    /** After a rename: the domain's name nodes (libxl_domain_rename writes both). */
    static void writeName(Xenstore xenstore, Domain d) throws XlError {
        if (xenstore == null) return;
        try (XenstoreClient xs = xenstore.connect()) {
            xs.write("/local/domain/" + d.id() + "/name", d.name());
            xs.write("/vm/" + d.uuid() + "/name", d.name());
        } catch (XenstoreException e) {
            throw new XlError("Domain " + d.id() + ": writing its new name: " + e.getMessage());
        }
    }

    /** Refuses a domain with split-driver devices, which the stream does not carry yet. */
    static void checkNoDevices(Xenstore xenstore, Domain d) throws XlError {
        if (xenstore == null) return;
        try (XenstoreClient xs = xenstore.connect()) {
            String dir = "/local/domain/" + d.id() + "/device";
            if (xs.read(dir).isEmpty()) return;
            for (String type : xs.directory(dir)) {
                if (!xs.directory(dir + "/" + type).isEmpty()) {
                    throw new XlError("Domain " + d.id() + " has " + type + " devices: oxen does not carry disks and"
                            + " network interfaces across a save or migration yet");
                }
            }
        } catch (XenstoreException e) {
            throw new XlError("Domain " + d.id() + ": reading its devices: " + e.getMessage());
        }
    }

    /** The domain's subtree /local/domain/N: every node's path (relative), permissions and value. */
    static byte[] toolstackData(Xenstore xenstore, Domain d) throws XlError {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(TOOLSTACK_MAGIC);
            out.writeInt(1);
            out.writeInt(d.id());
            List<String[]> nodes = new ArrayList<>();
            if (xenstore != null) {
                try (XenstoreClient xs = xenstore.connect()) {
                    collect(xs, "/local/domain/" + d.id(), "", nodes);
                } catch (XenstoreException e) {
                    throw new XlError("Domain " + d.id() + ": reading its xenstore nodes: " + e.getMessage());
                }
            }
            out.writeInt(nodes.size());
            for (String[] n : nodes) {
                out.writeUTF(n[0]);
                out.writeUTF(n[1]);
                out.writeUTF(n[2]);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private static void collect(XenstoreClient xs, String base, String rel, List<String[]> nodes)
            throws XenstoreException {
        String path = rel.isEmpty() ? base : base + "/" + rel;
        if (!rel.isEmpty()) {
            nodes.add(new String[] {rel, String.join(",", xs.permissions(path)), xs.read(path).orElse("")});
        }
        for (String child : xs.directory(path)) {
            collect(xs, base, rel.isEmpty() ? child : rel + "/" + child, nodes);
        }
    }

    /**
     * Writes the saved nodes under the new domain's path where the new domain has none yet, with
     * the saved permissions, the old domain id in them replaced by the new one. Returns how many.
     */
    static int restoreNodes(Xenstore xenstore, byte[] data, Domain d) throws XlError {
        if (data.length == 0 || xenstore == null) return 0;
        int written = 0;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
                XenstoreClient xs = xenstore.connect()) {
            if (in.readInt() != TOOLSTACK_MAGIC || in.readInt() != 1) {
                throw new XlError("the saved file's toolstack data is not xl's (oxen toolstack data version 1)");
            }
            int old = in.readInt();
            int n = in.readInt();
            String base = "/local/domain/" + d.id() + "/";
            for (int i = 0; i < n; i++) {
                String rel = in.readUTF(), perms = in.readUTF(), value = in.readUTF();
                if (rel.contains("..") || rel.startsWith("/")) {
                    throw new XlError("the saved file names xenstore node '" + rel + "' outside the domain's path");
                }
                String path = base + rel;
                if (xs.read(path).isPresent()) continue;
                xs.write(path, value);
                if (!perms.isEmpty()) {
                    List<String> p = new ArrayList<>();
                    for (String e : perms.split(",")) {
                        p.add(e.substring(1).equals(String.valueOf(old)) ? e.charAt(0) + String.valueOf(d.id()) : e);
                    }
                    xs.setPermissions(path, p);
                }
                written++;
            }
        } catch (IOException e) {
            throw new XlError("the saved file's toolstack data is cut short: " + e.getMessage());
        } catch (XenstoreException e) {
            throw new XlError("writing the restored domain's xenstore nodes: " + e.getMessage());
        }
        return written;
    }
}
