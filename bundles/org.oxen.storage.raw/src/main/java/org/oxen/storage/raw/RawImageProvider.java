package org.oxen.storage.raw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.api.io.ImageFiles;

/**
 * The raw format: the file's bytes are the disk's. Creation is sparse (only the last byte is
 * written, so the file system allocates nothing else); a raw image has no options and no backing
 * file. Images open through the page cache or with {@code O_DIRECT} ({@link CacheMode}).
 */
@Component(service = BlockImageProvider.class, property = BlockImageProvider.FORMAT_PROPERTY + "=" + RawImage.FORMAT)
public final class RawImageProvider implements BlockImageProvider {

    @Override
    public String format() {
        return RawImage.FORMAT;
    }

    @Override
    public boolean recognizes(byte[] header, int length) {
        return false;
    }

    @Override
    public BlockImage open(Path path, AccessMode mode) throws IOException {
        return open(path, mode, CacheMode.WRITEBACK);
    }

    @Override
    public Set<CacheMode> cacheModes() {
        return Set.of(CacheMode.WRITEBACK, CacheMode.DIRECT);
    }

    @Override
    public BlockImage open(Path path, AccessMode mode, CacheMode cache) throws IOException {
        FileChannel ch = ImageFiles.open(path, mode, cache);
        try {
            return new RawImage(path, ch, mode == AccessMode.READ_ONLY, cache);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public BlockImage create(Path path, ImageSpec spec) throws IOException {
        if (spec.backingFile() != null) {
            throw new IllegalArgumentException(path + ": a raw image cannot have a backing file ("
                    + spec.backingFile() + ")");
        }
        if (!spec.options().isEmpty()) {
            throw new IllegalArgumentException(path + ": raw images take no options, given "
                    + spec.options().keySet());
        }
        FileChannel ch = ImageFiles.create(path);
        try {
            ImageFiles.writeFully(ch, ByteBuffer.allocate(1), spec.size() - 1);
            return new RawImage(path, ch, false, CacheMode.WRITEBACK);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
