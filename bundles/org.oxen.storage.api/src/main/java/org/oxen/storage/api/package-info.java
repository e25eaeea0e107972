/**
 * The storage SPI: disk images behind one interface, whatever their format.
 *
 * <p>A {@link org.oxen.storage.api.BlockImage} is the virtual disk a guest sees: {@code size()}
 * bytes read and written at byte offsets into the caller's {@link java.nio.ByteBuffer}s, a
 * durable {@code flush()}, {@code discard()}, {@code close()}. Formats are
 * {@link org.oxen.storage.api.BlockImageProvider} services, one per format, keyed by the service
 * property {@value org.oxen.storage.api.BlockImageProvider#FORMAT_PROPERTY} ({@code raw},
 * {@code qcow2}); a provider opens and creates images of its format. Errors are
 * {@link org.oxen.storage.api.StorageException}s that name the file and what is wrong:
 * {@link org.oxen.storage.api.ImageFormatException} for an image whose bytes are corrupt or use
 * what the provider does not implement, {@link org.oxen.storage.api.ReadOnlyImageException} for a
 * write to an image opened read-only. A {@link org.oxen.storage.api.CacheMode} chooses whether an
 * image's file I/O goes through the host's page cache or around it ({@code O_DIRECT}).
 */
@Export
@Version("1.1.0")
package org.oxen.storage.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
