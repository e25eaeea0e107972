package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;

/**
 * {@code xl list [-l] [-v] [Domain...]}: xl's table (Name, ID, Mem, VCPUs, State, Time(s)), or
 * with {@code -l} a JSON array with each domain's config and state.
 */
@Component(service = XlSubcommand.class)
public final class ListCommand extends DomainSubcommand {

    private final Toolstack toolstack;

    @Activate
    public ListCommand(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "list";
    }

    @Override
    public String summary() {
        return "List information about all/some domains";
    }

    @Override
    public String usage() {
        return "[options] [Domain]\n"
                + "-l, --long              Output all VM details (JSON: config and state)\n"
                + "-v, --verbose           Prints out UUIDs, shutdown reason codes and security labels";
    }

    @Override
    public String shortOptions() {
        return "lv";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"long=l", "verbose=v"};
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        List<DomainInfo> domains;
        if (inv.operands().isEmpty()) {
            domains = DomainLookup.all(toolstack.hypervisor());
        } else {
            domains = new ArrayList<>();
            for (String q : inv.operands()) {
                domains.add(DomainLookup.resolve(toolstack.hypervisor(), q));
            }
        }
        if (inv.options().has("l")) {
            List<Object> out = new ArrayList<>();
            for (DomainInfo d : domains) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("domid", d.id());
                var plan = toolstack.plan(d.id()).filter(p -> !d.isHost());
                o.put("config", plan.map(DomainJson::config).orElseGet(() -> DomainJson.config(d, uuid(d))));
                o.put("state", DomainJson.state(d, plan.map(DomainPlan::source).orElse(null)));
                out.add(o);
            }
            inv.out().println(Json.render(out));
            return 0;
        }
        boolean verbose = inv.options().has("v");
        inv.out().println(XlFormat.LIST_HEADER + (verbose ? XlFormat.LIST_VERBOSE_HEADER : ""));
        for (DomainInfo d : domains) {
            String row = XlFormat.listRow(d);
            if (verbose) {
                row += XlFormat.listVerbose(d, uuid(d));
            }
            inv.out().println(row);
        }
        return 0;
    }

    /** Domain-0's uuid is all zeros, as in Xen; every guest has its own (see {@link Toolstack#uuid}). */
    private String uuid(DomainInfo d) {
        return d.isHost() ? DomainJson.NO_UUID : toolstack.uuid(d.id());
    }
}
