package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import org.oxen.guests.GuestImages;
import org.oxen.io.vswitch.MacAddress;
import org.oxen.io.vswitch.internal.Switches;
import org.oxen.io.xenbus.internal.XenbusBackends;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreTransaction;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * One oxen's network in a test: the VMM, xenstored, xenbus with netback bound for "vif", the
 * virtual switch; real domains (the kit's {@code grants mode=ring}, blocked for good) whose part
 * Java netfronts play, each vif created with the nodes libxl writes.
 */
final class NetTestbed implements AutoCloseable {

    final Vmm vmm;
    final XenstoreComponent xenstored;
    final XenstoreClient toolstack;
    final Switches switches;
    final Netback netback;
    final XenbusBackends xenbus;
    private final List<JavaNetfront> frontends = new ArrayList<>();

    NetTestbed() throws Exception {
        this(System::nanoTime);
    }

    /** @param clock netback's clock (the rate limit's time) */
    NetTestbed(java.util.function.LongSupplier clock) throws Exception {
        vmm = new Vmm(128L << 20, 2);
        xenstored = new XenstoreComponent(vmm.eventChannels());
        vmm.addIntroducer(xenstored); // kit guests speak xenstore on their store ring
        toolstack = xenstored.connect();
        switches = new Switches();
        netback = new Netback(switches, clock);
        xenbus = new XenbusBackends(xenstored, vmm.eventChannels());
        xenbus.setGrants(vmm.grantTables());
        xenbus.setTrace(vmm.trace());
        xenbus.addFactory(netback, Map.of(BackendFactory.DEVICE_TYPE, "vif", "service.id", 1L));
    }

    /** A domain to play: the grants program, blocked until destroyed once it printed its ring line. */
    FrontendDomain domain(String name) throws Exception {
        int id = vmm.list().stream().mapToInt(Domain::id).max().orElse(0) + 1;
        Domain d = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "grants"))
                .memoryMiB(8).cmdline("domid=" + id + " mode=ring").build());
        await(() -> Pattern.compile("grants: ring port=").matcher(d.consoleOutput()).find(), name + " ready");
        return new FrontendDomain((DomainImpl) d, vmm.pool().ram());
    }

    /**
     * A domain running the kit's {@code netecho} (its C netfront and IP layer) on vif 0 with
     * {@code mac} on xenbr0; {@code args} after {@code ip=}.
     */
    Domain kitDomain(String name, long mac, int ip, String args) throws Exception {
        Domain d = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "netecho"))
                .memoryMiB(16).cmdline("ip=" + TinyIp.ipString(ip) + " " + args).build());
        createVif(d.id(), 0, mac, "xenbr0", null);
        return d;
    }

    static String fe(int domid, int devid) {
        return "/local/domain/" + domid + "/device/vif/" + devid;
    }

    static String be(int domid, int devid) {
        return "/local/domain/0/backend/vif/" + domid + "/" + devid;
    }

    /** The toolstack's vif directories (libxl_nic.c's nodes), in one transaction, state 1. */
    void createVif(int domid, int devid, long mac, String bridge, String rate) throws Exception {
        String fe = fe(domid, devid), be = be(domid, devid);
        XenstoreTransaction t = toolstack.transaction();
        // the directories' permissions first (libxl's order): a kit guest owns its frontend nodes
        t.mkdir(fe);
        t.setPermissions(fe, List.of("n" + domid, "r0"));
        t.mkdir(be);
        t.setPermissions(be, List.of("n0", "r" + domid));
        t.write(fe + "/backend", be);
        t.write(fe + "/backend-id", "0");
        t.write(fe + "/state", "1");
        t.write(fe + "/handle", Integer.toString(devid));
        t.write(fe + "/mac", MacAddress.format(mac));
        t.write(fe + "/mtu", "1500");
        t.write(be + "/frontend", fe);
        t.write(be + "/frontend-id", Integer.toString(domid));
        t.write(be + "/online", "1");
        t.write(be + "/state", "1");
        t.write(be + "/script", "vif-bridge");
        t.write(be + "/mac", MacAddress.format(mac));
        t.write(be + "/bridge", bridge);
        t.write(be + "/handle", Integer.toString(devid));
        t.write(be + "/type", "vif");
        if (rate != null) t.write(be + "/rate", rate);
        assertTrue(t.commit());
    }

    /** A vif with a Java netfront and a tiny IP host behind it, connected. */
    Host host(FrontendDomain dom, int devid, long mac, int ip, int fragment, boolean csumBlank, String rate)
            throws Exception {
        return host(dom, devid, mac, ip, fragment, csumBlank, rate, "xenbr0");
    }

    Host host(FrontendDomain dom, int devid, long mac, int ip, int fragment, boolean csumBlank, String rate,
            String bridge) throws Exception {
        return host(dom, devid, mac, ip, fragment, csumBlank, rate, bridge, true, false);
    }

    /**
     * As above, the frontend saying {@code feature-sg} as {@code sg} and
     * {@code feature-no-csum-offload=1} unless {@code rxCsumOffload}.
     */
    Host host(FrontendDomain dom, int devid, long mac, int ip, int fragment, boolean csumBlank, String rate,
            String bridge, boolean sg, boolean rxCsumOffload) throws Exception {
        createVif(dom.id(), devid, mac, bridge, rate);
        TinyIp tip = new TinyIp(mac, ip, csumBlank);
        JavaNetfront nf = new JavaNetfront(dom, toolstack, fe(dom.id(), devid), fragment, csumBlank, tip::receive);
        nf.sg = sg;
        nf.rxCsumOffload = rxCsumOffload;
        tip.output(nf::send);
        frontends.add(nf);
        nf.start();
        await(() -> state(be(dom.id(), devid)).equals("4") && state(fe(dom.id(), devid)).equals("4"),
                "vif" + dom.id() + "." + devid + " connected");
        return new Host(nf, tip);
    }

    record Host(JavaNetfront netfront, TinyIp ip) {
    }

    String state(String dir) {
        try {
            return toolstack.read(dir + "/state").orElse("-");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static void await(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out: " + what);
            Thread.sleep(2);
        }
    }

    @Override
    public void close() throws Exception {
        for (JavaNetfront f : frontends) f.close();
        xenbus.deactivate();
        switches.shutdown();
        toolstack.close();
        xenstored.deactivate();
        for (Domain d : vmm.list()) vmm.destroy(d.id());
        assertEquals(0, vmm.internalErrors(), "the VMM's internal errors");
        vmm.shutdown();
    }
}
