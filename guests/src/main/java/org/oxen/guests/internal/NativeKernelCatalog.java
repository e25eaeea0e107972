package org.oxen.guests.internal;

import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;
import org.oxen.guests.GuestImages;
import org.oxen.toolstack.xl.KernelCatalog;

/**
 * The guest kit's native programs (multiboot kernels for a bare PC) as the toolstack's
 * {@code guest-native:} kernels, for HVM domains ({@code type = "hvm"} and
 * {@code kernel = "guest-native:hello"} in an xl.cfg): the same images {@code machine boot}
 * runs on the bare machine, unmodified.
 */
@Component(property = KernelCatalog.SCHEME + "=guest-native")
public final class NativeKernelCatalog implements KernelCatalog {

    @Override
    public List<String> names() {
        return GuestImages.names(GuestImages.Flavor.NATIVE);
    }

    @Override
    public Optional<byte[]> kernel(String name) {
        return names().contains(name) ? Optional.of(GuestImages.load(GuestImages.Flavor.NATIVE, name)) : Optional.empty();
    }
}
