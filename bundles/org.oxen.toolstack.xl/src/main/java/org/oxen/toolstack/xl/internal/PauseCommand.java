package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domains;

/** {@code xl pause <Domain>}: pause execution of a domain; pauses nest as in Xen (one unpause per pause). */
@Component(service = XlSubcommand.class)
public final class PauseCommand extends DomainSubcommand {

    private final Domains hv;

    @Activate
    public PauseCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "pause";
    }

    @Override
    public String summary() {
        return "Pause execution of a domain";
    }

    @Override
    public String usage() {
        return "<Domain>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        int id = DomainLookup.guest(hv, oneDomain(inv), "paused").id();
        try {
            hv.pause(id);
        } catch (IllegalArgumentException gone) {
            throw new XlError("Error: Domain '" + id + "' does not exist.");
        }
        return 0;
    }
}
