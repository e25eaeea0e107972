package org.oxen.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.api.StorageException;
import org.oxen.storage.api.io.ImageFiles;

/**
 * The qcow2 format. Backing files of other formats are opened through the other
 * {@link BlockImageProvider} services present (raw, ...), chosen by the format the overlay
 * records, or by probing when it records none (qcow2's magic, else raw, as QEMU probes).
 *
 * <p>Locking: the set of other providers is a copy-on-write list (DS dynamic reference); an open
 * uses whatever providers are present at that moment.
 */
@Component(service = BlockImageProvider.class, property = BlockImageProvider.FORMAT_PROPERTY + "=" + Qcow2Image.FORMAT)
public final class Qcow2ImageProvider implements BlockImageProvider, BackingOpener {
    /** Longest backing chain opened (QEMU has no fixed limit; this one stops loops). */
    static final int MAX_CHAIN = 16;

    private final List<BlockImageProvider> others = new CopyOnWriteArrayList<>();

    /** For DS. */
    public Qcow2ImageProvider() {
    }

    /** Outside a framework: backing files of these other formats can be opened. */
    public Qcow2ImageProvider(BlockImageProvider... otherFormats) {
        others.addAll(List.of(otherFormats));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(!(" + FORMAT_PROPERTY + "=" + Qcow2Image.FORMAT + "))")
    void addProvider(BlockImageProvider p) {
        others.add(p);
    }

    void removeProvider(BlockImageProvider p) {
        others.remove(p);
    }

    @Override
    public String format() {
        return Qcow2Image.FORMAT;
    }

    @Override
    public boolean recognizes(byte[] header, int length) {
        return length >= 4 && ByteBuffer.wrap(header, 0, length).getInt(0) == Qcow2Layout.MAGIC;
    }

    @Override
    public BlockImage open(Path path, AccessMode mode) throws IOException {
        return new Qcow2Image(path, ImageFiles.open(path, mode), mode, this, 0);
    }

    @Override
    public Set<CacheMode> cacheModes() {
        return Set.of(CacheMode.WRITEBACK, CacheMode.DIRECT);
    }

    /**
     * With {@link CacheMode#DIRECT} the file is opened with {@code O_DIRECT} and every access to it,
     * data and metadata, goes through an {@link AlignedChannel}; requests must then be aligned to
     * the file system's block ({@link BlockImage#requestAlignment()}). Backing files stay on the
     * page cache (read-only, shared between overlays, as QEMU's {@code cache=none} leaves them
     * to their own node's options).
     */
    @Override
    public BlockImage open(Path path, AccessMode mode, CacheMode cache) throws IOException {
        if (cache == CacheMode.WRITEBACK) return open(path, mode);
        FileChannel ch = ImageFiles.open(path, mode, CacheMode.DIRECT);
        AlignedChannel aligned;
        try {
            aligned = new AlignedChannel(path, ch, ImageFiles.directAlignment(path));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new Qcow2Image(path, aligned, mode, this, 0);
    }

    @Override
    public BlockImage create(Path path, ImageSpec spec) throws IOException {
        if (spec.backingFile() != null) {
            // the backing image must open (QEMU checks it too); its size need not match
            open(path, spec.backingFile(), spec.backingFormat(), 1).close();
        }
        FileChannel ch = ImageFiles.create(path);
        boolean ok = false;
        try {
            Qcow2Creator.write(path, ch, spec);
            ok = true;
        } finally {
            if (!ok) {
                ch.close();
                Files.deleteIfExists(path);
            }
        }
        return new Qcow2Image(path, ch, AccessMode.READ_WRITE, this, 0);
    }

    @Override
    public BlockImage open(Path overlay, String name, String format, int depth) throws IOException {
        if (depth > MAX_CHAIN) {
            throw new ImageFormatException(overlay, "the backing chain is longer than " + MAX_CHAIN
                    + " images (a loop?) at backing file '" + name + "'");
        }
        if (name.startsWith("json:")) {
            throw new ImageFormatException(overlay, "backing file '" + name + "' is a QEMU json: specification,"
                    + " which oxen does not read");
        }
        Path p = Path.of(name.startsWith("file:") ? name.substring(5) : name);
        if (!p.isAbsolute()) {
            Path dir = overlay.toAbsolutePath().getParent();
            p = dir == null ? p : dir.resolve(p);
        }
        String fmt = format != null ? format : probe(overlay, name, p);
        try {
            if (fmt.equals(Qcow2Image.FORMAT)) {
                return new Qcow2Image(p, ImageFiles.open(p, AccessMode.READ_ONLY), AccessMode.READ_ONLY, this, depth);
            }
            for (BlockImageProvider o : others) {
                if (o.format().equals(fmt)) {
                    return o.open(p, AccessMode.READ_ONLY);
                }
            }
        } catch (ImageFormatException e) {
            throw new ImageFormatException(overlay, "its backing file '" + name + "' cannot be opened: " + e.getMessage());
        } catch (StorageException e) {
            throw new StorageException(overlay, "its backing file '" + name + "' cannot be opened: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException(overlay, "its backing file '" + name + "' (" + p + ") cannot be opened: " + e, e);
        }
        throw new ImageFormatException(overlay, "its backing file '" + name + "' has format '" + fmt
                + "', which no storage provider here opens");
    }

    private String probe(Path overlay, String name, Path p) throws IOException {
        byte[] first = new byte[512];
        int n;
        try (FileChannel ch = ImageFiles.open(p, AccessMode.READ_ONLY)) {
            ByteBuffer b = ByteBuffer.wrap(first);
            n = Math.max(0, ch.read(b, 0));
        } catch (IOException e) {
            throw new StorageException(overlay, "its backing file '" + name + "' (" + p + ") cannot be opened: " + e, e);
        }
        if (recognizes(first, n)) {
            return Qcow2Image.FORMAT;
        }
        for (BlockImageProvider o : others) {
            if (o.recognizes(first, n)) {
                return o.format();
            }
        }
        return "raw";
    }
}
