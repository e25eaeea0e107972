package org.oxen.toolstack.xl.internal;

import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.Xenstore;

/** {@code xl reboot [-w] [-F] <Domain>}: asks the guest to reboot ({@link ShutdownRequestCommand}). */
@Component(service = XlSubcommand.class)
public final class RebootCommand extends ShutdownRequestCommand {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Xenstore xenstore;

    @Activate
    public RebootCommand(@Reference Domains hv) {
        super(hv, "reboot", ShutdownReason.REBOOT, "reboot");
    }

    @Override
    Optional<Xenstore> xenstore() {
        return Optional.ofNullable(xenstore);
    }
}
