package org.oxen.io.vswitch.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.PortCounters;
import org.oxen.io.vswitch.SwitchPort;
import org.oxen.io.vswitch.Uplink;
import org.oxen.io.vswitch.VirtualSwitches;

/**
 * The Gogo command {@code vswitch}: {@code show} (bridges, ports, counters, learned addresses,
 * captures), {@code capture <bridge> <file>|stop}, {@code tap <bridge> <ifname>} (a TAP uplink),
 * {@code udp <bridge> <local-port> <remote-host:port>} (a UDP tunnel uplink), {@code unlink
 * <description>} (closes an uplink this command made). Uplinks made here close with the bundle.
 * Thread-safe (the map's monitor).
 */
@Component(service = VswitchCommand.class, immediate = true, property = {"osgi.command.scope=vswitch",
        "osgi.command.function=show", "osgi.command.function=capture", "osgi.command.function=tap",
        "osgi.command.function=udp", "osgi.command.function=unlink"})
public final class VswitchCommand {

    private final VirtualSwitches switches;
    private final Map<String, Uplink> uplinks = new LinkedHashMap<>();

    @Activate
    public VswitchCommand(@Reference VirtualSwitches switches) {
        this.switches = switches;
    }

    public String show() {
        StringBuilder b = new StringBuilder();
        for (Bridge br : switches.bridges()) {
            b.append(br.name()).append(": ").append(br.ports().size()).append(" ports, ").append(br.learnedAddresses())
                    .append(" addresses learned").append(br.capture().map(p -> ", capturing to " + p).orElse("")).append('\n');
            b.append(String.format("  %-16s %10s %12s %10s %12s %8s %8s%n", "port", "in", "in-bytes", "out", "out-bytes",
                    "dropped", "errors"));
            for (SwitchPort p : br.ports()) {
                PortCounters c = p.counters();
                b.append(String.format("  %-16s %10d %12d %10d %12d %8d %8d%n", p.name(), c.inFrames(), c.inBytes(),
                        c.outFrames(), c.outBytes(), c.outDropped(), c.inErrors()));
            }
        }
        return b.toString();
    }

    public String capture(String bridge, String file) throws Exception {
        Bridge br = switches.find(bridge).orElseThrow(() -> new IllegalArgumentException("no bridge " + bridge));
        if (file.equals("stop")) {
            br.stopCapture();
            return bridge + ": capture stopped";
        }
        br.startCapture(Path.of(file).toAbsolutePath());
        return bridge + ": capturing every port to " + Path.of(file).toAbsolutePath();
    }

    public String tap(String bridge, String ifname) throws Exception {
        return keep(switches.tap(bridge, ifname));
    }

    public String udp(String bridge, int localPort, String remote) throws Exception {
        int colon = remote.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("remote '" + remote + "': expected host:port");
        InetSocketAddress r = new InetSocketAddress(remote.substring(0, colon), Integer.parseInt(remote.substring(colon + 1)));
        InetSocketAddress l = new InetSocketAddress(r.getAddress().isLoopbackAddress() ? r.getAddress() : null, localPort);
        return keep(switches.udpTunnel(bridge, l, r));
    }

    public String unlink(String description) {
        Uplink u;
        synchronized (uplinks) {
            u = uplinks.remove(description);
        }
        if (u == null) throw new IllegalArgumentException("no uplink '" + description + "' (vswitch show lists ports)");
        u.close();
        return description + ": closed";
    }

    private String keep(Uplink u) {
        synchronized (uplinks) {
            uplinks.put(u.description(), u);
        }
        return u.description() + ": port " + u.port().name() + " on " + u.port().bridge().name();
    }

    @Deactivate
    void deactivate() {
        synchronized (uplinks) {
            uplinks.values().forEach(Uplink::close);
            uplinks.clear();
        }
    }
}
