/**
 * Contracts of the emulated x86 machine, shared by the CPU, the board and every device bundle.
 *
 * <p>Lower layers never import higher ones: nothing here knows of Xen or of the VMM. Devices
 * see their registers as offsets from a base the board chooses from configuration; they never
 * hard-code a port or an address.
 */
@Export
@Version("2.1.0")
package org.oxen.x86.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
