/**
 * Host memory outside the Java heap, through oxen's small JNI library (liboxenhost, Linux
 * x86-64): {@link org.oxen.x86.host.HostMemory} reserves guest RAM that the host kernel commits
 * page by page as it is touched and takes back on decommit; {@link org.oxen.x86.host.NativeCode}
 * holds generated x86-64 code under W^X and calls it; {@link org.oxen.x86.host.RawMemory} reads
 * and writes such memory by address. Failures of the host throw {@link
 * org.oxen.x86.host.HostException} naming the call, its arguments and errno's text.
 */
@Export
@Version("1.1.0")
package org.oxen.x86.host;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
