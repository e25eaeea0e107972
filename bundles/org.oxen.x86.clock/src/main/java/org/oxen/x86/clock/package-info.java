/**
 * The hypervisor's time sources (ARCHITECTURE.md, "Execution and time"), one copy for the board
 * and the VMM core: {@link org.oxen.x86.clock.RealClock} (host monotonic time) and {@link
 * org.oxen.x86.clock.InstructionClock} (virtual nanoseconds from retired instructions,
 * deterministic). The board runs a machine on either; the VMM core's system time
 * ({@code org.oxen.vmm.core.time.SystemTime}) reads a {@code RealClock}.
 */
@Export
@Version("1.0.0")
package org.oxen.x86.clock;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
