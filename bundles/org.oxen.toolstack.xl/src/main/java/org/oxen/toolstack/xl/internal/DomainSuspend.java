package org.oxen.toolstack.xl.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * new domain id), with the domain's devices after them. Stateless.
 */
final class DomainSuspend {

    /** How long a guest may take to suspend (libxl's suspend timeout is 60 s). */
    static final long SUSPEND_TIMEOUT_S = 60;
    /**
     * Toolstack data: "OXTS", version 4: the nodes, the devices, then the domain's config (version
     * 3: disks without direct-io-safe; version 2: no config; version 1: the nodes only).
     */
    private static final int TOOLSTACK_MAGIC = 0x4F585453;
    private static final int TOOLSTACK_VERSION = 4;
    /** The frontend directories, which the new domain's devices get afresh (libxl writes them again). */
    private static final String DEVICE_DIR = "device";

    private DomainSuspend() {
    }

    /**
     * Suspends {@code d} for a save: a PV guest is asked and waited for ({@link #suspend(Xenstore,
     * Domain)}); an HVM domain, which does not suspend itself, is paused (libxl's xc_domain_pause
     * for an HVM guest without PV drivers; {@code DomainSaveRestore.resume} unpauses it).
     */
    static void suspend(org.oxen.vmm.api.Hypervisor hv, org.oxen.vmm.api.DomainSaveRestore saver, Xenstore xenstore,
            Domain d) throws XlError, InterruptedException {
        if (!saver.guestSuspends(d.id())) {
            hv.pause(d.id());
            return;
        }
        suspend(xenstore, d);
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

    /** What the toolstack data gives back on restore: the devices, and the config if xl created the domain. */
    record Restored(DomainDevices.Devices devices, Optional<DomainPlan.ConfigText> config) {
    }

    /**
     * The domain's subtree /local/domain/N (every node's path, relative, permissions and value),
     * then its disks and vifs ({@link DomainDevices}), then the config it was created from (none
     * for a domain xl did not create): a flag, the file, the overrides, the text.
     */
    static byte[] toolstackData(Xenstore xenstore, Domain d, DomainDevices.Devices devices,
            Optional<DomainPlan.ConfigText> config) throws XlError {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(TOOLSTACK_MAGIC);
            out.writeInt(TOOLSTACK_VERSION);
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
            DomainDevices.write(out, devices);
            out.writeBoolean(config.isPresent());
            if (config.isPresent()) {
                DomainPlan.ConfigText c = config.get();
                out.writeUTF(c.file());
                out.writeInt(c.overrides().size());
                for (String o : c.overrides()) out.writeUTF(o);
                byte[] text = c.text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeInt(text.length);
                out.write(text);
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
     * the saved permissions, the old domain id in them replaced by the new one; the frontend
     * directories ({@code device/}) are left to the devices added afresh. Returns the devices the
     * domain had (none in a version 1 file) and its config (none before version 3).
     */
    static Restored restoreNodes(Xenstore xenstore, byte[] data, Domain d) throws XlError {
        DomainDevices.Devices none = new DomainDevices.Devices(List.of(), List.of());
        if (data.length == 0) return new Restored(none, Optional.empty());
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version;
            if (in.readInt() != TOOLSTACK_MAGIC || (version = in.readInt()) < 1 || version > TOOLSTACK_VERSION) {
                throw new XlError("the saved file's toolstack data is not xl's (oxen toolstack data version 1 or "
                        + TOOLSTACK_VERSION + ")");
            }
            int old = in.readInt();
            int n = in.readInt();
            List<String[]> nodes = new ArrayList<>();
            for (int i = 0; i < n; i++) nodes.add(new String[] {in.readUTF(), in.readUTF(), in.readUTF()});
            DomainDevices.Devices devices = version >= 2 ? DomainDevices.readFrom(in, version) : none;
            Optional<DomainPlan.ConfigText> config = Optional.empty();
            if (version >= 3 && in.readBoolean()) {
                String file = in.readUTF();
                int count = in.readInt();
                if (count < 0 || count > 1024) throw new XlError("the saved file's toolstack data names " + count + " config overrides");
                List<String> overrides = new ArrayList<>();
                for (int i = 0; i < count; i++) overrides.add(in.readUTF());
                int length = in.readInt();
                if (length < 0 || length > ConfigLoader.MAX_CONFIG_BYTES) {
                    throw new XlError("the saved file's toolstack data holds a config of " + length
                            + " bytes (an xl.cfg is at most " + ConfigLoader.MAX_CONFIG_BYTES + ")");
                }
                byte[] text = in.readNBytes(length);
                if (text.length != length) throw new IOException("the config ends after " + text.length + " of " + length + " bytes");
                config = Optional.of(new DomainPlan.ConfigText(file, new String(text, java.nio.charset.StandardCharsets.UTF_8),
                        overrides));
            }
            Restored restored = new Restored(devices, config);
            if (xenstore == null) return restored;
            try (XenstoreClient xs = xenstore.connect()) {
                String base = "/local/domain/" + d.id() + "/";
                for (String[] node : nodes) {
                    String rel = node[0], perms = node[1], value = node[2];
                    if (rel.contains("..") || rel.startsWith("/")) {
                        throw new XlError("the saved file names xenstore node '" + rel + "' outside the domain's path");
                    }
                    if (rel.equals(DEVICE_DIR) || rel.startsWith(DEVICE_DIR + "/")) continue;
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
                }
            } catch (XenstoreException e) {
                throw new XlError("writing the restored domain's xenstore nodes: " + e.getMessage());
            }
            return restored;
        } catch (IOException e) {
            throw new XlError("the saved file's toolstack data is cut short: " + e.getMessage());
        }
    }
}
