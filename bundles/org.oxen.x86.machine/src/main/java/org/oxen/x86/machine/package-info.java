/**
 * The bare PC ("the board"): {@link org.oxen.x86.machine.Machines} boots multiboot kernels and
 * ROMs on machines built from a {@link org.oxen.x86.machine.MachineDescription}, and reports
 * each {@link org.oxen.x86.machine.Machine}'s state, console output and exit status.
 */
@Export
@Version("1.4.0")
package org.oxen.x86.machine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
