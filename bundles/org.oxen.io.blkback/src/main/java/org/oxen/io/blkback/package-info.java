/**
 * The block backend's service for the toolstack: {@link org.oxen.io.blkback.VbdStatistics}, the
 * figures of every virtual block device served (what {@code xl top} shows).
 */
@Export
@Version("1.0.0")
package org.oxen.io.blkback;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
