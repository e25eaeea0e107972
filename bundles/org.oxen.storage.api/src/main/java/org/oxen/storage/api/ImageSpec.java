package org.oxen.storage.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What to create: a virtual size, an optional backing file with its format, and format options
 * named as {@code qemu-img create -o} names them ({@code compat}, {@code cluster_size},
 * {@code refcount_bits}, ...). A provider refuses options it does not know.
 */
public final class ImageSpec {
    private final long size;
    private final String backingFile;
    private final String backingFormat;
    private final Map<String, String> options;

    private ImageSpec(long size, String backingFile, String backingFormat, Map<String, String> options) {
        this.size = size;
        this.backingFile = backingFile;
        this.backingFormat = backingFormat;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** An image of {@code size} bytes (a positive multiple of 512) without a backing file. */
    public static ImageSpec ofSize(long size) {
        if (size <= 0 || size % BlockImage.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("image size " + size
                    + " is not a positive multiple of " + BlockImage.SECTOR_SIZE);
        }
        return new ImageSpec(size, null, null, Map.of());
    }

    /**
     * This spec over a backing file: {@code file} as the image will record it (a path relative
     * to the new image's directory, or absolute) and its format ({@code raw}, {@code qcow2}).
     */
    public ImageSpec withBacking(String file, String format) {
        Objects.requireNonNull(file, "backing file");
        Objects.requireNonNull(format, "backing format");
        return new ImageSpec(size, file, format, options);
    }

    /** This spec with one more format option ({@code qemu-img create -o name=value}). */
    public ImageSpec withOption(String name, String value) {
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
        return new ImageSpec(size, backingFile, backingFormat, o);
    }

    public long size() {
        return size;
    }

    /** The backing file as the image records it, or null. */
    public String backingFile() {
        return backingFile;
    }

    /** The backing file's format, or null when there is no backing file. */
    public String backingFormat() {
        return backingFormat;
    }

    /** The format options, in the order given. */
    public Map<String, String> options() {
        return options;
    }

    @Override
    public String toString() {
        return "ImageSpec[size=" + size + (backingFile == null ? "" : ", backing=" + backingFile
                + " (" + backingFormat + ")") + (options.isEmpty() ? "" : ", options=" + options) + "]";
    }
}
