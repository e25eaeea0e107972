package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;

/** {@code xl domname <DomainId>}: the name of a domain id. */
@Component(service = XlSubcommand.class)
public final class DomnameCommand extends DomainSubcommand {

    private final Domains hv;

    @Activate
    public DomnameCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "domname";
    }

    @Override
    public String summary() {
        return "Convert a domain id to domain name";
    }

    @Override
    public String usage() {
        return "<DomainId>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        String arg = oneDomain(inv);
        if (!DomainLookup.isId(arg) || Long.parseLong(arg) > Integer.MAX_VALUE) {
            throw new XlError("Invalid domain id.");
        }
        int id = Integer.parseInt(arg);
        if (id == 0) {
            inv.out().println(DomainInfo.DOMAIN0);
            return 0;
        }
        String name = hv.find(id).map(Domain::name).orElseThrow(() -> new XlError(
                "Can't get domain name of domain id '" + id + "', maybe this domain does not exist."));
        inv.out().println(name);
        return 0;
    }
}
