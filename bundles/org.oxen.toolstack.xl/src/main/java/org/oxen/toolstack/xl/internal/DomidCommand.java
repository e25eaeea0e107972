package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domains;

/** {@code xl domid <DomainName>}: the id of a named domain. */
@Component(service = XlSubcommand.class)
public final class DomidCommand extends DomainSubcommand {

    private final Domains hv;

    @Activate
    public DomidCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "domid";
    }

    @Override
    public String summary() {
        return "Convert a domain name to domain id";
    }

    @Override
    public String usage() {
        return "<DomainName>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        String name = oneDomain(inv);
        if (DomainInfo.DOMAIN0.equals(name)) {
            inv.out().println(0);
            return 0;
        }
        int id = hv.find(name).orElseThrow(() -> new XlError("Can't get domid of domain name '" + name
                + "', maybe this domain does not exist.")).id();
        inv.out().println(id);
        return 0;
    }
}
