package org.oxen.toolstack.sched.internal;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;

/** Domain lookup as xl does it: a name, or an id. */
final class Domains {

    private Domains() {
    }

    static Domain find(Hypervisor hv, String nameOrId) {
        if (nameOrId.matches("\\d+")) {
            return hv.find(Integer.parseInt(nameOrId))
                    .orElseThrow(() -> new IllegalArgumentException("no domain with id " + nameOrId));
        }
        return hv.find(nameOrId).orElseThrow(() -> new IllegalArgumentException("no domain named '" + nameOrId + "'"));
    }
}
