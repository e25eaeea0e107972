package org.oxen.toolstack.xl.internal;

import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * Which of a PV domain's vcpus the toolstack wants online, as libxl tells the guest: one node
 * {@code /local/domain/<domid>/cpu/<n>/availability} per vcpu (of {@code maxvcpus}),
 * {@code online} or {@code offline}, written at creation (libxl__build_post) and by
 * {@code xl vcpu-set} (libxl__set_vcpuonline_xenstore). For a PV domain that is all the
 * toolstack does: the guest's own xenbus watch brings vcpus up (VCPUOP_up) and takes them down
 * (VCPUOP_down); the hypervisor never forces one down.
 */
final class VcpuAvailability {

    private VcpuAvailability() {
    }

    static String path(int domid, int vcpu) {
        return "/local/domain/" + domid + "/cpu/" + vcpu + "/availability";
    }

    /** Vcpus 0..online-1 online, the rest up to maxVcpus offline, in one transaction. */
    static void write(Xenstore store, int domid, int online, int maxVcpus) throws XenstoreException {
        try (XenstoreClient c = store.connect()) {
            for (int attempt = 0; ; attempt++) {
                XenstoreTransaction t = c.transaction();
                for (int v = 0; v < maxVcpus; v++) {
                    t.write(path(domid, v), v < online ? "online" : "offline");
                }
                if (t.commit() || attempt == 10) return;
            }
        }
    }

    /** Removes the domain's cpu/ nodes (the domain is gone). */
    static void remove(Xenstore store, int domid) {
        try (XenstoreClient c = store.connect()) {
            c.rm("/local/domain/" + domid + "/cpu");
        } catch (XenstoreException e) {
            // nothing to clean up
        }
    }

    static XlError unavailable(String what) {
        return new XlError("Error: " + what + ": xenstored is not running (a PV guest learns which vcpus to "
                + "bring up or down from cpu/N/availability in xenstore)");
    }
}
