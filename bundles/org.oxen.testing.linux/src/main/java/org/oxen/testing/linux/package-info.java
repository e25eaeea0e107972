/** The stock Linux of the boot tests: Debian's i386 kernel and a busybox initramfs ({@link org.oxen.testing.linux.LinuxGuest}). */
@Export
@Version("1.1.0")
package org.oxen.testing.linux;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
