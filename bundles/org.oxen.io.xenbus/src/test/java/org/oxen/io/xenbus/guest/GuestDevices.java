package org.oxen.io.xenbus.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.oxen.guests.GuestImages;
import org.oxen.io.xenbus.internal.XenbusBackends;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreTransaction;
import org.oxen.vmm.core.Vmm;

/**
 * A VMM with xenstored (every domain introduced before it runs) and xenbus binding Java backend
 * factories, where the guest kit's frontends meet Java backends: {@link #device} writes a
 * device's two directories as libxl does (one transaction, the frontend's owned by the guest and
 * readable by Domain-0, the backend's the other way round, both state Initialising).
 */
final class GuestDevices implements AutoCloseable {

    final Vmm vmm;
    final XenstoreComponent xenstored;
    final XenstoreClient toolstack;
    final XenbusBackends xenbus;

    GuestDevices(long memoryBytes, int pcpus) throws Exception {
        vmm = new Vmm(memoryBytes, pcpus);
        xenstored = new XenstoreComponent(vmm.eventChannels());
        vmm.addIntroducer(xenstored);
        toolstack = xenstored.connect();
        xenbus = new XenbusBackends(xenstored, vmm.eventChannels());
        xenbus.setGrants(vmm.grantTables());
    }

    void addFactory(String type, BackendFactory f, long serviceId) {
        xenbus.addFactory(f, Map.of(BackendFactory.DEVICE_TYPE, type, "service.id", serviceId));
    }

    Domain guest(String program, String name, int memoryMiB, String cmdline) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, program))
                .memoryMiB(memoryMiB).cmdline(cmdline).build());
    }

    /** The frontend directory /local/domain/&lt;domid&gt;/device/&lt;type&gt;/&lt;devid&gt; and its backend's. */
    String device(int domid, String type, int devid, Map<String, String> frontendKeys, Map<String, String> backendKeys)
            throws Exception {
        String fe = "/local/domain/" + domid + "/device/" + type + "/" + devid;
        String be = "/local/domain/0/backend/" + type + "/" + domid + "/" + devid;
        for (;;) {
            XenstoreTransaction t = toolstack.transaction();
            // each directory's permissions first: the nodes written into it inherit them
            t.mkdir(fe);
            t.setPermissions(fe, List.of("n" + domid, "r0"));
            t.mkdir(be);
            t.setPermissions(be, List.of("n0", "r" + domid));
            t.write(fe + "/backend", be);
            t.write(fe + "/backend-id", "0");
            t.write(fe + "/state", "1");
            for (var e : frontendKeys.entrySet()) t.write(fe + "/" + e.getKey(), e.getValue());
            t.write(be + "/frontend", fe);
            t.write(be + "/frontend-id", Integer.toString(domid));
            t.write(be + "/online", "1");
            t.write(be + "/state", "1");
            for (var e : backendKeys.entrySet()) t.write(be + "/" + e.getKey(), e.getValue());
            if (t.commit()) return fe;
        }
    }

    /** The guest ends with RESULT: PASS and a poweroff; returns its console output. */
    static String passes(Domain d, int seconds) throws InterruptedException {
        assertTrue(d.awaitShutdown(seconds, TimeUnit.SECONDS), d.name() + " did not finish:\n" + d.consoleOutput());
        String out = d.consoleOutput();
        assertTrue(out.contains("RESULT: PASS"), d.name() + ":\n" + out);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        return out;
    }

    @Override
    public void close() {
        xenbus.deactivate();
        toolstack.close();
        vmm.shutdown();
        xenstored.deactivate();
    }
}
