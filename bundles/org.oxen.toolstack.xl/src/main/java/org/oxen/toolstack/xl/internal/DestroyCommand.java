package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;

/** {@code xl destroy <Domain>}: stop it at once and return its memory to the pool; no on_* action runs. */
@Component(service = XlSubcommand.class)
public final class DestroyCommand extends DomainSubcommand {

    private final Toolstack toolstack;

    @Activate
    public DestroyCommand(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "destroy";
    }

    @Override
    public String summary() {
        return "Terminate a domain immediately";
    }

    @Override
    public String usage() {
        return "<Domain>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        String note = toolstack.destroy(oneDomain(inv));
        if (note != null) inv.err().println(note); // harmless: the domain is gone either way
        return 0;
    }
}
