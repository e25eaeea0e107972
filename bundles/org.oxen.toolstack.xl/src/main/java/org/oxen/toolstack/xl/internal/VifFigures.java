package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.PortCounters;
import org.oxen.io.vswitch.SwitchPort;
import org.oxen.io.vswitch.VirtualSwitches;

/**
 * {@link NetFigures} from the bridges: a domain's vifs are the ports named {@code vif<domid>.<n>}
 * (netback's names, Linux's); what the port took in is what the domain sent (NETTX), what it
 * delivered is what the domain received (NETRX). Only activated when a {@link VirtualSwitches}
 * service exists, so the toolstack runs without the switch's bundle.
 */
@Component(service = NetFigures.class)
public final class VifFigures implements NetFigures {

    private final VirtualSwitches switches;

    @Activate
    public VifFigures(@Reference VirtualSwitches switches) {
        this.switches = switches;
    }

    @Override
    public Totals domain(int domid) {
        String prefix = "vif" + domid + ".";
        int n = 0;
        long tx = 0, rx = 0;
        for (Bridge b : switches.bridges()) {
            for (SwitchPort p : b.ports()) {
                if (!p.name().startsWith(prefix)) continue;
                PortCounters c = p.counters();
                n++;
                tx += c.inBytes();
                rx += c.outBytes();
            }
        }
        return new Totals(n, tx, rx);
    }
}
