package org.oxen.x86.api.pci;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The configuration space of one PCI function (256 bytes), as the host bridge reaches it.
 * Accesses are naturally aligned; {@code size} is 1, 2 or 4; values are zero-extended.
 * {@link PciConfigSpace} implements it for the common case.
 */
@ConsumerType
public interface PciFunction {

    int configRead(int offset, int size);

    void configWrite(int offset, int size, int value);
}
