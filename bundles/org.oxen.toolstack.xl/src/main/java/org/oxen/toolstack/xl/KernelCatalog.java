package org.oxen.toolstack.xl;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Kernels by name, for {@code kernel = "<scheme>:<name>"} in an xl.cfg: a service registered
 * with the property {@value #SCHEME} (e.g. {@code guest}, which oxen's guest kit bundle serves),
 * so configs can name a kernel that ships in a bundle instead of a file. The toolstack binds
 * catalogs dynamically; without one for a scheme, such a config is refused with a clear error.
 *
 * @since 1.2
 */
@ConsumerType
public interface KernelCatalog {

    /** Service property: the scheme served, lower case, without the colon ({@code guest}). */
    String SCHEME = "oxen.kernel.scheme";

    /** The names served, in the catalog's order (shown when a name is unknown). */
    List<String> names();

    /** A fresh copy of the kernel image called {@code name}; empty when there is none of that name. */
    Optional<byte[]> kernel(String name);
}
