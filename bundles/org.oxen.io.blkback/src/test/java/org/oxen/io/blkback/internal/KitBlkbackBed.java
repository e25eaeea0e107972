package org.oxen.io.blkback.internal;

import java.util.Map;

import org.oxen.io.xenbus.internal.XenbusBackends;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.storage.qcow2.Qcow2ImageProvider;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.core.Vmm;

/**
 * What the kit-guest tests and benchmark of blkback run on, without a framework: a VMM on two
 * pCPUs, xenstored introducing its domains, xenbus with blkback serving raw and qcow2 images, and
 * a toolstack connection to write the vbd nodes. {@link #close()} takes it down in reverse.
 */
final class KitBlkbackBed implements AutoCloseable {

    final Vmm vmm;
    final XenstoreComponent xenstored;
    final XenstoreClient toolstack;
    final XenbusBackends xenbus;
    final BlkbackComponent blkback = new BlkbackComponent();
    final RawImageProvider raw = new RawImageProvider();
    final Qcow2ImageProvider qcow2 = new Qcow2ImageProvider(raw);

    KitBlkbackBed(long machineBytes) throws XenstoreException {
        vmm = new Vmm(machineBytes, 2);
        xenstored = new XenstoreComponent(vmm.eventChannels());
        vmm.addIntroducer(xenstored);
        toolstack = xenstored.connect();
        xenbus = new XenbusBackends(xenstored, vmm.eventChannels());
        xenbus.setGrants(vmm.grantTables());
        blkback.addProvider(raw);
        blkback.addProvider(qcow2);
        xenbus.addFactory(blkback, Map.of(BackendFactory.DEVICE_TYPE, "vbd", "service.id", 1L));
    }

    @Override
    public void close() {
        xenbus.deactivate();
        toolstack.close();
        vmm.shutdown();
        xenstored.deactivate();
    }
}
