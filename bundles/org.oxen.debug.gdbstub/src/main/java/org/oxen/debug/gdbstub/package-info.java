/**
 * A gdb remote-serial-protocol stub for x86 debug targets. A target (a bare machine's board, a
 * domain) implements {@link org.oxen.debug.gdbstub.DebugTarget} and calls a
 * {@link org.oxen.debug.gdbstub.DebugGate} from its run loop; {@link org.oxen.debug.gdbstub.GdbServer}
 * serves one gdb client at a time on a loopback port.
 */
@Export
@Version("1.2.0")
package org.oxen.debug.gdbstub;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
