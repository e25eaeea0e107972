/**
 * Positional file I/O shared by the image formats: opening an image file with its writer's lock
 * (through the page cache or with {@code O_DIRECT}),
 * reading and writing whole buffers at file offsets (a read past the end of the file yields
 * zeros, as a sparse file's hole does), zero-filling buffers, and checking request ranges and
 * {@code O_DIRECT} alignment.
 */
@Export
@Version("1.1.0")
package org.oxen.storage.api.io;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
