package org.oxen.io.netback;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.io.vswitch.VirtualSwitches;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.BackendStatistics;

/**
 * netback in the runtime: the {@link BackendFactory} of device type {@code vif}. xenbus binds it
 * to every vif directory the toolstack creates; when the bundle stops, xenbus closes its vifs
 * (Closing, Closed) and the frontends reconnect to the next netback that comes (an update of this
 * bundle, or another factory of type vif). Also the {@link BackendStatistics} of its vifs (xl top's
 * NET columns).
 */
@Component(service = { BackendFactory.class, BackendStatistics.class },
        property = BackendFactory.DEVICE_TYPE + "=vif")
public final class NetbackComponent implements BackendFactory, BackendStatistics {

    private final Netback netback;

    @Activate
    public NetbackComponent(@Reference VirtualSwitches switches) {
        this.netback = new Netback(switches, System::nanoTime);
    }

    @Override
    public Backend create(BackendDevice device) {
        return netback.create(device);
    }

    @Override
    public List<Device> devices() {
        return netback.devices();
    }

    @Deactivate
    void deactivate() {
        netback.close();
    }
}
