package org.oxen.toolstack.xl.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;

/** {@code xl uptime [-s] [Domain...]}: how long each domain has been up (Domain-0: the Java runtime). */
@Component(service = XlSubcommand.class)
public final class UptimeCommand extends DomainSubcommand {

    private final Toolstack toolstack;

    @Activate
    public UptimeCommand(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "uptime";
    }

    @Override
    public String summary() {
        return "Print uptime for all/some domains";
    }

    @Override
    public String usage() {
        return "[-s] [Domain]\n-s, --short             Uptime in a shorter format";
    }

    @Override
    public String shortOptions() {
        return "s";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"short=s"};
    }

    @Override
    int execute(XlInvocation inv) throws XlError {
        List<DomainInfo> domains = new ArrayList<>();
        if (inv.operands().isEmpty()) {
            domains = DomainLookup.all(toolstack.hypervisor());
        } else {
            for (String q : inv.operands()) {
                domains.add(DomainLookup.resolve(toolstack.hypervisor(), q));
            }
        }
        boolean shortMode = inv.options().has("s");
        if (!shortMode) {
            inv.out().println(XlFormat.UPTIME_HEADER);
        }
        Instant now = Instant.now();
        String clock = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
        for (DomainInfo d : domains) {
            long up = d.isHost() ? DomainInfo.hostUptimeSeconds()
                    : Math.max(0, Duration.between(toolstack.started(d.id()), now).getSeconds());
            if (shortMode) {
                inv.out().printf(" %s up %s, %s (%d)%n", clock, XlFormat.uptime(up, true), d.name(), d.id());
            } else {
                inv.out().println(XlFormat.uptimeRow(d, up));
            }
        }
        return 0;
    }
}
