/**
 * The two time sources of a machine (ARCHITECTURE.md, "Execution and time"): {@link
 * org.oxen.x86.machine.clock.RealClock} (host monotonic time) and {@link
 * org.oxen.x86.machine.clock.InstructionClock} (virtual nanoseconds from retired instructions,
 * deterministic). Reusable by the VMM core.
 */
@Export
@Version("1.0.0")
package org.oxen.x86.machine.clock;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
