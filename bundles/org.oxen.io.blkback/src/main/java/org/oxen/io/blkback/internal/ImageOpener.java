package org.oxen.io.blkback.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.StorageException;

/**
 * Opens the image a vbd's backend {@code params} node names, through the storage SPI's provider
 * services. {@code params} is {@code <format>:<path>} as libxl writes it for a qdisk backend
 * ({@code raw:/images/d.img}, {@code qcow2:/images/d.qcow2}; QEMU's {@code aio:} means raw), or a
 * bare path whose format is recognised from its first bytes (a file no provider recognises is
 * raw, as qemu-img decides). With {@code direct-io-safe} the image is opened {@link CacheMode#DIRECT}
 * ({@code O_DIRECT}) when its provider takes that, else through the page cache: the flag only
 * allows O_DIRECT, as for Xen's own backends (xl-disk-configuration(5)). So an O_DIRECT open the
 * file refuses (a file system without O_DIRECT, such as tmpfs; a length that is no multiple of
 * the block) falls back to the page cache too, saying why in the log; an error the fallback
 * meets as well (no such file, another writer's lock) is reported as usual.
 */
final class ImageOpener {

    private final Supplier<Map<String, BlockImageProvider>> providers;

    /** @param providers the provider services present now, by format */
    ImageOpener(Supplier<Map<String, BlockImageProvider>> providers) {
        this.providers = providers;
    }

    BlockImage open(String params, boolean readOnly, boolean directIoSafe) throws IOException {
        Map<String, BlockImageProvider> byFormat = providers.get();
        String format = null;
        String path = params;
        int colon = params.indexOf(':');
        if (colon > 0 && params.substring(0, colon).matches("[a-z0-9]+")) {
            format = params.substring(0, colon);
            if (format.equals("aio")) format = "raw";
            path = params.substring(colon + 1);
        }
        if (path.isEmpty()) throw new IllegalArgumentException("params '" + params + "' names no file");
        Path file = Path.of(path);
        if (format == null) format = detect(file, byFormat);
        BlockImageProvider p = byFormat.get(format);
        if (p == null) {
            throw new StorageException(file, "no storage provider for format '" + format + "' (present: "
                    + byFormat.keySet() + ")");
        }
        AccessMode mode = readOnly ? AccessMode.READ_ONLY : AccessMode.READ_WRITE;
        if (directIoSafe && p.cacheModes().contains(CacheMode.DIRECT)) {
            try {
                return p.open(file, mode, CacheMode.DIRECT);
            } catch (StorageException e) {
                VbdBackend.LOG.log(System.Logger.Level.INFO, "blkback: direct-io-safe, but " + e.getMessage()
                        + ": opening it through the page cache");
            }
        } else if (directIoSafe) {
            VbdBackend.LOG.log(System.Logger.Level.INFO, "blkback: direct-io-safe, but " + file + " is " + format
                    + ", which has no O_DIRECT mode: opening it through the page cache");
        }
        return p.open(file, mode, CacheMode.WRITEBACK);
    }

    private static String detect(Path file, Map<String, BlockImageProvider> byFormat) throws IOException {
        byte[] header = new byte[512];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int r;
            while (n < header.length && (r = in.read(header, n, header.length - n)) > 0) n += r;
        }
        for (BlockImageProvider p : byFormat.values()) {
            if (p.recognizes(header, n)) return p.format();
        }
        return "raw";
    }
}
