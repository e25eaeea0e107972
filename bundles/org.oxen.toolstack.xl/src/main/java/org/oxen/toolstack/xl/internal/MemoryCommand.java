package org.oxen.toolstack.xl.internal;

import java.util.List;

import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.Xenstore;

/**
 * {@code xl mem-set <Domain> <Mem>} and {@code xl mem-max <Domain> <Mem>} (xl_mem.c): the size in
 * xl's syntax ({@link MemorySize}), then libxl's rules ({@link MemoryTargets}); a refusal is
 * libxl's line followed by xl's ({@code cannot set domid N dynamic max memory to : 8m}), exit 1.
 * The concrete commands are DS components.
 */
abstract class MemoryCommand extends DomainSubcommand {

    private final Toolstack toolstack;
    private final String name;

    MemoryCommand(Toolstack toolstack, String name) {
        this.toolstack = toolstack;
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String usage() {
        return "<Domain> <Mem>\n\n<Mem> is a size: a number with an optional unit, k, m (the default), g or t"
                + " (case-insensitive), or b for bytes.";
    }

    /** "dynamic" (mem-set) or "static" (mem-max), as xl's failure line says. */
    abstract String which();

    /** Applies {@code kib} to {@code d}. */
    abstract void apply(Toolstack toolstack, Xenstore store, Domain d, long kib) throws XlError;

    @Override
    final int execute(XlInvocation inv) throws XlError, XlUsageException {
        List<String> ops = inv.operands();
        if (ops.size() != 2) {
            throw new XlUsageException(ops.size() < 2 ? "'" + name + "' requires a domain and a memory size"
                    : "too many arguments");
        }
        Domain d = DomainLookup.guest(toolstack.hypervisor(), ops.get(0), "ballooned (its memory is the JVM heap)");
        String size = ops.get(1);
        long kib;
        try {
            kib = MemorySize.parseKiB(size);
        } catch (IllegalArgumentException e) {
            throw new XlError(e.getMessage());
        }
        Xenstore store = toolstack.xenstore();
        if (store == null) {
            throw new XlError("Error: " + name + ": xenstored is not running (a guest's balloon driver follows"
                    + " memory/target in xenstore)");
        }
        try {
            apply(toolstack, store, d, kib);
        } catch (XlError e) {
            throw new XlError(e.getMessage() + "\ncannot set domid " + d.id() + " " + which() + " max memory to : "
                    + size);
        } catch (IllegalArgumentException gone) {
            throw new XlError("Error: Domain '" + ops.get(0) + "' does not exist.");
        }
        return 0;
    }
}
