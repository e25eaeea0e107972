package org.oxen.guests.internal;

import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;
import org.oxen.guests.GuestImages;
import org.oxen.toolstack.xl.KernelCatalog;

/**
 * The guest kit's PV programs as the toolstack's {@code guest:} kernels
 * ({@code kernel = "guest:hello"} in an xl.cfg): the toolstack binds this service when it is
 * there and does not need this bundle otherwise.
 */
@Component(property = KernelCatalog.SCHEME + "=guest")
public final class GuestKernelCatalog implements KernelCatalog {

    @Override
    public List<String> names() {
        return GuestImages.names(GuestImages.Flavor.PV);
    }

    @Override
    public Optional<byte[]> kernel(String name) {
        return names().contains(name) ? Optional.of(GuestImages.load(GuestImages.Flavor.PV, name)) : Optional.empty();
    }
}
