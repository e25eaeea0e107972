package org.oxen.io.vswitch.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.Uplink;
import org.oxen.io.vswitch.VirtualSwitches;

/**
 * The bridges of one oxen and their uplinks (see {@link VirtualSwitches}); usable without a
 * framework (tests make two, as two oxen runtimes have).
 *
 * <p>Locking: {@code this} guards the maps; bridges lock themselves.
 */
public final class Switches implements VirtualSwitches {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,15}");
    private final Map<String, BridgeImpl> bridges = new LinkedHashMap<>();
    private final List<Uplink> uplinks = new ArrayList<>();
    private final LongSupplier nanoClock;
    private final LongSupplier epochMicros;
    private final Consumer<String> log;

    /**
     * @param nanoClock the ageing clock (monotonic nanoseconds)
     * @param epochMicros the capture's timestamps (microseconds since 1970)
     */
    public Switches(LongSupplier nanoClock, LongSupplier epochMicros, Consumer<String> log) {
        this.nanoClock = nanoClock;
        this.epochMicros = epochMicros;
        this.log = log;
    }

    /** Real clocks, messages on stderr. */
    public Switches() {
        this(System::nanoTime, () -> {
            java.time.Instant t = java.time.Instant.now();
            return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
        }, System.err::println);
    }

    @Override
    public synchronized Bridge bridge(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bridge name '" + name
                    + "': expected 1..15 letters, digits, '.', '-' or '_' (a Linux interface name)");
        }
        return bridges.computeIfAbsent(name, n -> new BridgeImpl(n, nanoClock, epochMicros, log));
    }

    @Override
    public synchronized Optional<Bridge> find(String name) {
        return Optional.ofNullable(bridges.get(name));
    }

    @Override
    public synchronized List<Bridge> bridges() {
        return List.copyOf(bridges.values());
    }

    @Override
    public Uplink udpTunnel(String bridge, InetSocketAddress local, InetSocketAddress remote) throws IOException {
        Bridge b = bridge(bridge);
        return keep(new UdpTunnel(b, local, remote, log));
    }

    @Override
    public Uplink tap(String bridge, String ifname) throws IOException {
        Bridge b = bridge(bridge);
        try {
            Class.forName("com.sun.jna.Native", false, Switches.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new UnsupportedOperationException("the TAP uplink needs JNA (com.sun.jna) in the runtime");
        }
        return keep(new TapUplink(b, ifname, log));
    }

    private synchronized Uplink keep(Uplink u) {
        uplinks.removeIf(x -> !x.port().isOpen());
        uplinks.add(u);
        return u;
    }

    /** Closes every uplink, detaches every port and ends every capture. */
    public void shutdown() {
        List<Uplink> u;
        List<BridgeImpl> b;
        synchronized (this) {
            u = List.copyOf(uplinks);
            uplinks.clear();
            b = List.copyOf(bridges.values());
        }
        u.forEach(Uplink::close);
        b.forEach(BridgeImpl::shutdown);
    }
}
