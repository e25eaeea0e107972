package org.oxen.toolstack.xl.internal;

import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.backend.Xenstore;

/** {@code xl sysrq <Domain> <letter>}: writes the key into the guest's control/sysrq (libxl_send_sysrq). */
@Component(service = XlSubcommand.class)
public final class SysrqCommand extends DomainSubcommand {

    private final Domains hv;
    private volatile Xenstore xenstore;

    @Activate
    public SysrqCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetXenstore")
    void setXenstore(Xenstore x) {
        xenstore = x;
    }

    void unsetXenstore(Xenstore x) {
        if (xenstore == x) xenstore = null;
    }

    @Override
    public String name() {
        return "sysrq";
    }

    @Override
    public String summary() {
        return "Send a sysrq to a domain";
    }

    @Override
    public String usage() {
        return "<Domain> <letter>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        if (inv.operands().size() != 2) {
            throw new XlUsageException(inv.operands().size() < 2 ? "'sysrq' requires a domain and a letter"
                    : "too many arguments");
        }
        String key = inv.operands().get(1);
        if (key.length() != 1) {
            // xl: "Invalid sysrq." and usage
            throw new XlUsageException("Invalid sysrq.");
        }
        var d = DomainLookup.guest(hv, inv.operands().get(0), "sent a sysrq");
        PvControl.sysrq(Optional.ofNullable(xenstore), d, key.charAt(0));
        return 0;
    }
}
