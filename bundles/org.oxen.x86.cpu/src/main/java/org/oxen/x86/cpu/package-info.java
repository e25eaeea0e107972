/**
 * The x86 CPU: create one with {@link org.oxen.x86.cpu.X86Cpu#create}, drive it with
 * {@code run}, and let chosen events leave the emulator through an
 * {@link org.oxen.x86.cpu.ExitHandler}. The CPU knows nothing of Xen.
 */
@Export
@Version("1.12.0")
package org.oxen.x86.cpu;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
