package org.oxen.io.vswitch.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.Uplink;
import org.oxen.io.vswitch.VirtualSwitches;

/**
 * The {@link VirtualSwitches} service of the runtime. Stopping the bundle detaches every port
 * (vifs see their bridge go and stop forwarding) and closes captures and uplinks.
 */
@Component(service = VirtualSwitches.class, immediate = true)
public final class VirtualSwitchesComponent implements VirtualSwitches {

    private final Switches switches = new Switches();

    @Override
    public Bridge bridge(String name) {
        return switches.bridge(name);
    }

    @Override
    public Optional<Bridge> find(String name) {
        return switches.find(name);
    }

    @Override
    public List<Bridge> bridges() {
        return switches.bridges();
    }

    @Override
    public Uplink udpTunnel(String bridge, InetSocketAddress local, InetSocketAddress remote) throws IOException {
        return switches.udpTunnel(bridge, local, remote);
    }

    @Override
    public Uplink tap(String bridge, String ifname) throws IOException {
        return switches.tap(bridge, ifname);
    }

    @Deactivate
    void deactivate() {
        switches.shutdown();
    }
}
