package org.oxen.io.blkback.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.oxen.guests.GuestImages;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.io.xenbus.internal.XenbusBackends;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

/**
 * A hypervisor with xenstored and xenbus, as the runtime wires them, for block tests without a
 * framework: real guest domains (the kit's {@code sleeper}, which blocks on its timer and never
 * touches the frontend's pages or ports), the toolstack's vbd nodes, and Java frontends inside
 * those domains.
 */
public final class BlkRig implements AutoCloseable {

    public final Vmm vmm;
    public final XenstoreComponent xenstored;
    public final XenbusBackends xenbus;
    public final XenstoreClient toolstack;
    private final List<JavaBlkfront> frontends = new ArrayList<>();
    /**
     * One guest side per domain: its grant references and pages are the domain's, handed out by
     * one allocator as a guest kernel's gnttab does for all its frontends (two allocators would
     * give two frontends the same references, each overwriting the other's entries).
     */
    private final Map<Integer, VmmGuestSide> guestSides = new HashMap<>();

    public BlkRig(int memoryMiB) throws Exception {
        vmm = new Vmm((long) memoryMiB << 20, 2);
        xenstored = new XenstoreComponent(vmm.eventChannels());
        toolstack = xenstored.connect();
        xenbus = new XenbusBackends(xenstored, vmm.eventChannels());
        xenbus.setGrants(vmm.grantTables());
        xenbus.setTrace(vmm.trace());
    }

    /** A running guest domain that stays until destroyed. */
    public Domain guest(String name) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "sleeper"))
                .memoryMiB(8).cmdline("count=2000000000 period_us=1000000").build());
    }

    public void addFactory(BackendFactory f, long serviceId, int ranking) {
        xenbus.addFactory(f, Map.of(BackendFactory.DEVICE_TYPE, "vbd", "service.id", serviceId, "service.ranking", ranking));
    }

    /** The toolstack adds a disk to {@code domid} and a Java frontend in that domain starts. */
    public JavaBlkfront attach(Domain d, VbdDevices.Disk disk, JavaBlkfront.Options options) throws Exception {
        VbdDevices.add(toolstack, d.id(), disk);
        JavaBlkfront fe = new JavaBlkfront(toolstack, VbdDevices.frontendPath(d.id(), disk.devid()),
                guestSide(d), options);
        frontends.add(fe);
        fe.start();
        return fe;
    }

    /** What frontends in {@code d} use of it: the same one for every frontend of the domain. */
    public synchronized GuestSide guestSide(Domain d) {
        return guestSides.computeIfAbsent(d.id(), id -> new VmmGuestSide(vmm, id));
    }

    public String read(String path) throws Exception {
        return toolstack.read(path).orElse(null);
    }

    @Override
    public void close() throws Exception {
        xenbus.deactivate(); // backends closed first: frontends see Closing, Closed
        for (JavaBlkfront fe : frontends) fe.close();
        toolstack.close();
        xenstored.deactivate();
        vmm.shutdown();
    }
}
