package org.oxen.toolstack.xl.internal;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * The PV control interface (libxl__domain_pvcontrol_write, libxl_send_sysrq): a request is
 * written into the guest's {@code control/shutdown} or {@code control/sysrq} node and the guest's
 * own xenbus handler acts on it. As libxl does for a PV guest, the shutdown request is written
 * whether or not the guest has announced it answers ({@code control/feature-poweroff} /
 * {@code -reboot} = "1"): a guest still booting reads it when its watch comes up (the watch's
 * initial event). With {@code -F}, a guest that has not announced it is shut down from the
 * hypervisor instead (SCHEDOP_remote_shutdown from Domain-0; xl's fallback is an ACPI event,
 * which a PV guest on oxen does not have). Without xenstored or without the node, the PV control
 * interface is not available: an error, or with {@code -F} the remote shutdown.
 * Stateless; thread-safe.
 */
final class PvControl {

    private PvControl() {
    }

    /** Whether the guest announced it answers {@code request} ("poweroff" / "reboot"). */
    static boolean available(XenstoreClient xs, Domain d, String request) throws XenstoreException {
        String feature = "/local/domain/" + d.id() + "/control/feature-" + request;
        return xs.read(feature).map("1"::equals).orElse(false);
    }

    /**
     * xl shutdown / xl reboot for one domain: "Shutting down domain N" (or "Rebooting"), the
     * request through xenstore or, with {@code fallback}, the remote shutdown; with
     * {@code wait}, waits for the domain to shut down and says with which reason.
     */
    static void shutdown(Domains hv, Optional<Xenstore> xenstore, Domain d, ShutdownReason reason, boolean fallback,
            boolean wait, PrintStream err) throws XlError, InterruptedException {
        String request = reason == ShutdownReason.REBOOT ? "reboot" : "poweroff";
        err.println((reason == ShutdownReason.REBOOT ? "Rebooting" : "Shutting down") + " domain " + d.id());
        boolean written = false;
        if (xenstore.isPresent()) {
            try (XenstoreClient xs = xenstore.get().connect()) {
                String node = "/local/domain/" + d.id() + "/control/shutdown";
                boolean announced = available(xs, d, request);
                if (xs.read(node).isPresent() && (announced || !fallback)) {
                    xs.write(node, request);
                    written = true;
                }
            } catch (XenstoreException e) {
                throw new XlError("Writing the shutdown request of domain " + d.id() + ": " + e.getMessage());
            }
        }
        boolean pv = written;
        if (!pv) {
            if (!fallback) {
                throw new XlError("PV control interface not available: external graceful "
                        + (reason == ShutdownReason.REBOOT ? "reboot" : "shutdown") + " not possible.\n"
                        + "Use \"-F\" to fallback to " + (reason == ShutdownReason.REBOOT ? "a remote reboot"
                                : "a remote shutdown") + " (SCHEDOP_remote_shutdown).");
            }
            err.println("PV control interface not available: " + (reason == ShutdownReason.REBOOT
                    ? "rebooting" : "shutting down") + " the domain from the hypervisor (SCHEDOP_remote_shutdown).");
            try {
                hv.shutdown(d.id(), reason);
            } catch (IllegalArgumentException gone) {
                throw new XlError("Domain " + d.id() + " does not exist.");
            }
        }
        if (wait) {
            err.println("Waiting for 1 domains");
            while (!d.awaitShutdown(1, TimeUnit.SECONDS)) {
                if (hv.find(d.id()).isEmpty()) break;
            }
            err.println("Domain " + d.id() + " has been shut down, reason code "
                    + d.shutdownReason().map(ShutdownReason::code).orElse(-1) + " ("
                    + d.shutdownReason().map(r -> r.name().toLowerCase()).orElse("destroyed") + ")");
        }
    }

    /** libxl_send_sysrq: writes the key into control/sysrq. */
    static void sysrq(Optional<Xenstore> xenstore, Domain d, char key) throws XlError {
        if (xenstore.isEmpty()) throw new XlError("xenstored is not running: cannot send sysrq to domain " + d.id());
        try (XenstoreClient xs = xenstore.get().connect()) {
            String node = "/local/domain/" + d.id() + "/control/sysrq";
            if (xs.read(node).isEmpty()) throw new XlError("Domain " + d.id() + " has no " + node);
            xs.write(node, Character.toString(key));
        } catch (XenstoreException e) {
            throw new XlError("Writing control/sysrq of domain " + d.id() + ": " + e.getMessage());
        }
    }
}
