/**
 * Xen's io/blkif.h for Java ends of the block protocol: the x86_32 layouts of requests,
 * segments and responses ({@link org.oxen.io.blkback.blkif.Blkif}), the xenstore keys of both
 * ends, and a request decoded from its ring slot into a reusable object
 * ({@link org.oxen.io.blkback.blkif.BlkifRequest}), shared by the backend and Java frontends.
 */
@Export
@Version("1.0.0")
package org.oxen.io.blkback.blkif;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
