package org.oxen.guests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The guest programs packaged in this bundle, by flavor and name.
 *
 * <p>Images are ELF files built by {@code guests/Makefile} and stored as
 * resources {@code guests/<flavor>/<name>.elf} next to an {@code INDEX} that
 * lists the names. They are read through this class's own class loader, so
 * lookups work the same on a plain class path and inside an OSGi framework.
 *
 * <p>Every program prints {@code RESULT: PASS} or {@code RESULT: FAIL <reason>}
 * as its last line; see {@code guests/README.md} for what each one checks.
 */
public final class GuestImages {

    /** How a program boots. */
    public enum Flavor {
        /** A multiboot (v1) kernel for the bare machine: console on ports 0xE9 and COM1, exit through port 0xF4. */
        NATIVE,
        /** A Xen x86_32 PAE PV guest: Xen ELF notes, hypercall page, exit through SCHEDOP_shutdown. */
        PV;

        String directory() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final String ROOT = "guests/";

    private GuestImages() {
    }

    /**
     * The names of the programs built in a flavor, in build order.
     *
     * @param flavor the flavor
     * @return an unmodifiable list, e.g. {@code [hello, cpubench, traps, ...]}
     * @throws IllegalStateException if the bundle carries no images for the flavor
     */
    public static List<String> names(Flavor flavor) {
        Objects.requireNonNull(flavor, "flavor");
        byte[] index = read(ROOT + flavor.directory() + "/INDEX");
        if (index == null) {
            throw new IllegalStateException("no guest images for flavor " + flavor
                    + " on the class path (was the guests make step run?)");
        }
        return new String(index, StandardCharsets.UTF_8).lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .toList();
    }

    /**
     * The ELF image of a program.
     *
     * @param flavor the flavor
     * @param name a program name from {@link #names(Flavor)}
     * @return a fresh copy of the image bytes
     * @throws IllegalArgumentException if the flavor has no program of that name
     */
    public static byte[] load(Flavor flavor, String name) {
        Objects.requireNonNull(flavor, "flavor");
        Objects.requireNonNull(name, "name");
        List<String> known = names(flavor);
        if (!known.contains(name)) {
            throw new IllegalArgumentException("no guest program '" + name + "' in flavor "
                    + flavor + "; known: " + known);
        }
        byte[] image = read(ROOT + flavor.directory() + "/" + name + ".elf");
        if (image == null) {
            throw new IllegalStateException("guest image " + flavor + "/" + name
                    + " is listed in INDEX but missing");
        }
        return image;
    }

    private static byte[] read(String resource) {
        ClassLoader loader = GuestImages.class.getClassLoader();
        try (InputStream in = loader == null
                ? ClassLoader.getSystemResourceAsStream(resource)
                : loader.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }
}
