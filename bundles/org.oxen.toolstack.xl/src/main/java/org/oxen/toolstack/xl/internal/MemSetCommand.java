package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.Xenstore;

/**
 * {@code xl mem-set <Domain> <Mem>}: the domain's balloon target (memory/target) and, as xl
 * enforces it, its maximum ({@link MemoryTargets#setTarget}). The guest's balloon driver does
 * the rest, or not: the toolstack cannot take pages from a guest.
 */
@Component(service = XlSubcommand.class)
public final class MemSetCommand extends MemoryCommand {

    @Activate
    public MemSetCommand(@Reference Toolstack toolstack) {
        super(toolstack, "mem-set");
    }

    @Override
    public String summary() {
        return "Set the current memory usage for a domain";
    }

    @Override
    String which() {
        return "dynamic";
    }

    @Override
    void apply(Toolstack toolstack, Xenstore store, Domain d, long kib) throws XlError {
        toolstack.setMemoryTarget(store, d, kib);
    }
}
