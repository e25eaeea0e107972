/** Test support for gdb stub targets: Debian's gdb in batch mode and a raw remote-protocol client. */
@Export
@Version("1.0.0")
package org.oxen.debug.testing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
