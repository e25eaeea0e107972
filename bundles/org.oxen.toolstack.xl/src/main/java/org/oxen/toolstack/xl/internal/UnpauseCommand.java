package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domains;

/** {@code xl unpause <Domain>}: unpause a paused domain; pauses nest as in Xen (one unpause per pause). */
@Component(service = XlSubcommand.class)
public final class UnpauseCommand extends DomainSubcommand {

    private final Domains hv;

    @Activate
    public UnpauseCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "unpause";
    }

    @Override
    public String summary() {
        return "Unpause a paused domain";
    }

    @Override
    public String usage() {
        return "<Domain>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        int id = DomainLookup.guest(hv, oneDomain(inv), "unpaused").id();
        try {
            hv.unpause(id);
        } catch (IllegalArgumentException gone) {
            throw new XlError("Error: Domain '" + id + "' does not exist.");
        }
        return 0;
    }
}
