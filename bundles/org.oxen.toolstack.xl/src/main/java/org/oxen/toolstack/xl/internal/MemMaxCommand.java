package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.Xenstore;

/**
 * {@code xl mem-max <Domain> <Mem>}: the most memory the domain may hold (XEN_DOMCTL_max_mem,
 * {@link MemoryTargets#setMax}); refused below its balloon target, as libxl refuses.
 */
@Component(service = XlSubcommand.class)
public final class MemMaxCommand extends MemoryCommand {

    @Activate
    public MemMaxCommand(@Reference Toolstack toolstack) {
        super(toolstack, "mem-max");
    }

    @Override
    public String summary() {
        return "Set the maximum amount reservation for a domain";
    }

    @Override
    String which() {
        return "static";
    }

    @Override
    void apply(Toolstack toolstack, Xenstore store, Domain d, long kib) throws XlError {
        toolstack.setMemoryMax(store, d, kib);
    }
}
