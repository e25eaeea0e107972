package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;

import org.oxen.toolstack.xl.KernelCatalog;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.cfg.ConfigValue;
import org.oxen.toolstack.xl.cfg.DiskSpec;
import org.oxen.toolstack.xl.cfg.PvDomainSpec;
import org.oxen.toolstack.xl.cfg.PvDomainSpecReader;
import org.oxen.toolstack.xl.cfg.XlConfig;
import org.oxen.toolstack.xl.cfg.XlConfigException;
import org.oxen.toolstack.xl.cfg.XlConfigParser;

/**
 * Turns an xl.cfg file (plus {@code key=value} overrides) into a {@link DomainPlan}: read the
 * file (text only), parse, read the PV keys (with the hypervisor's own limits), read the kernel.
 *
 * <p>Kernels: {@code kernel = "<scheme>:<name>"} comes from the {@link KernelCatalog} serving the
 * scheme ({@code guest:hello} from oxen's guest kit bundle), so configs work from any directory;
 * any other value is a file path, relative to the config file's directory unless absolute. Only
 * regular files are read, and never more than the domain's memory: a FIFO, a device such as
 * {@code /dev/zero} or a directory is refused by name, never read until memory runs out.
 */
final class ConfigLoader {

    /** An xl.cfg larger than this is not a config (xl's own are a few KiB). */
    static final int MAX_CONFIG_BYTES = 1 << 20;

    /** A config waits for a {@link KernelCatalog} that is not there (yet). */
    static final class MissingKernelCatalog extends XlError {
        private static final long serialVersionUID = 1L;
        final String scheme;

        MissingKernelCatalog(String message, String scheme) {
            super(message);
            this.scheme = scheme;
        }
    }

    private ConfigLoader() {
    }

    /**
     * @throws XlError with {@code file:line:column: problem} for anything wrong in the config,
     *     or the reason the file cannot be read; {@link MissingKernelCatalog} when no catalog
     *     serves the kernel's scheme
     */
    static DomainPlan load(Path file, List<String> overrides, KernelCatalogs kernels) throws XlError {
        byte[] bytes;
        try {
            bytes = readRegularFile(file, MAX_CONFIG_BYTES, "an xl.cfg is at most 1 MiB of text");
        } catch (NoSuchFileException e) {
            throw new XlError("Failed to read config file: " + file + ": No such file or directory");
        } catch (IOException e) {
            throw new XlError("Failed to read config file: " + file + ": " + e.getMessage());
        }
        return load(file, text(file, bytes), overrides, kernels);
    }

    static DomainPlan load(Path file, String text, List<String> overrides, KernelCatalogs kernels) throws XlError {
        try {
            XlConfig cfg = XlConfigParser.parse(file.toString(), text, overrides);
            PvDomainSpec spec = PvDomainSpecReader.read(cfg);
            XlConfig.Setting kernel = cfg.get("kernel").orElseThrow();
            byte[] image = kernel(file, spec, kernel, kernels);
            String uuid = cfg.get("uuid").map(s -> ((ConfigValue.Str) s.value()).value()).orElse(null);
            byte[] ramdisk = spec.ramdisk() == null ? null : ramdisk(file, spec, cfg.get("ramdisk").orElseThrow());
            List<DiskSpec> disks = spec.disks().isEmpty() ? List.of() : disks(file, spec, cfg.get("disk").orElseThrow());
            return new DomainPlan(spec, image, file.toString(), spec.kernel(), uuid, ramdisk, disks,
                    new DomainPlan.ConfigText(file.toString(), text, overrides));
        } catch (XlConfigException e) {
            throw new XlError(e.getMessage());
        }
    }

    /** The config's text: UTF-8 without NUL bytes, else the offset of the first byte that is not. */
    private static String text(Path file, byte[] bytes) throws XlError {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new XlError("Failed to read config file: " + file + ": not a text file (a NUL byte at offset "
                        + i + "); an xl.cfg is text");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new XlError("Failed to read config file: " + file + ": not a text file (not UTF-8); an xl.cfg is text");
        }
    }

    /**
     * Reads a regular file of at most {@code limit} bytes; anything else (a directory, a FIFO, a
     * device, a larger file) is an IOException whose message says which.
     */
    static byte[] readRegularFile(Path path, long limit, String why) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        if (a.isDirectory()) {
            throw new IOException("Is a directory");
        }
        if (!a.isRegularFile()) {
            throw new IOException("not a regular file (a device, FIFO or socket)");
        }
        if (a.size() > limit) {
            throw new IOException(a.size() + " bytes: too large (" + why + ")");
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes((int) limit + 1);
            if (b.length > limit) {
                throw new IOException("grew beyond " + limit + " bytes while read (" + why + ")");
            }
            return b;
        }
    }

    /**
     * The disks' targets, relative to the config file's directory unless absolute: each must be a
     * regular file (an image), found now rather than by the backend after the domain started.
     */
    private static List<DiskSpec> disks(Path file, PvDomainSpec spec, XlConfig.Setting at) throws XlConfigException {
        Path dir = Optional.ofNullable(file.toAbsolutePath().getParent()).orElse(Path.of("."));
        List<DiskSpec> out = new java.util.ArrayList<>();
        for (DiskSpec d : spec.disks()) {
            try {
                out.add(resolveDisk(dir, d));
            } catch (IllegalArgumentException e) {
                throw new XlConfigException(at.value().position(), e.getMessage());
            }
        }
        return out;
    }

    /** {@code d} with its target resolved against {@code dir}; {@link IllegalArgumentException} if it is no image file. */
    static DiskSpec resolveDisk(Path dir, DiskSpec d) {
        Path path = Path.of(d.target());
        if (!path.isAbsolute()) path = dir.resolve(path);
        path = path.toAbsolutePath().normalize();
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("disk " + d.vdev() + ": target " + path + " is a directory, not an image");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("disk " + d.vdev() + ": target " + path
                    + (Files.exists(path) ? " is not a regular file (an image)" : ": No such file or directory"));
        }
        if (!Files.isReadable(path) || (!d.readOnly() && !Files.isWritable(path))) {
            throw new IllegalArgumentException("disk " + d.vdev() + ": target " + path + " is not "
                    + (d.readOnly() ? "readable" : "readable and writable") + " (access " + (d.readOnly() ? "ro" : "rw") + ")");
        }
        return new DiskSpec(path.toString(), d.format(), d.vdev(), d.devid(), d.readOnly(), d.cdrom(), d.discard(),
                d.directIoSafe());
    }

    /** An HVM domain's ramdisk: a path relative to the config file, no larger than the domain's memory. */
    private static byte[] ramdisk(Path file, PvDomainSpec spec, XlConfig.Setting at) throws XlConfigException {
        Path path = Path.of(spec.ramdisk());
        if (!path.isAbsolute()) {
            path = Optional.ofNullable(file.toAbsolutePath().getParent()).orElse(Path.of(".")).resolve(path);
        }
        path = path.normalize();
        try {
            return readRegularFile(path, (long) spec.memoryMiB() << 20, "a ramdisk must fit the domain's memory = "
                    + spec.memoryMiB() + " MiB");
        } catch (NoSuchFileException e) {
            throw new XlConfigException(at.value().position(),
                    "ramdisk \"" + spec.ramdisk() + "\" not found (" + path + ": No such file or directory)");
        } catch (IOException e) {
            throw new XlConfigException(at.value().position(),
                    "ramdisk \"" + spec.ramdisk() + "\" cannot be used (" + path + ": " + e.getMessage() + ")");
        }
    }

    private static byte[] kernel(Path file, PvDomainSpec spec, XlConfig.Setting at, KernelCatalogs kernels)
            throws XlConfigException, MissingKernelCatalog {
        String kernel = spec.kernel();
        KernelCatalogs.Ref ref = KernelCatalogs.Ref.parse(kernel);
        if (ref != null) {
            Optional<KernelCatalog> catalog = kernels.serving(ref.scheme());
            if (catalog.isEmpty()) {
                throw new MissingKernelCatalog(at.value().position() + ": kernel \"" + kernel + "\": no kernel catalog"
                        + " serves '" + ref.scheme() + ":' kernels" + (ref.scheme().equals("guest")
                                ? " (the guest kit bundle org.oxen.guests serves them; it is not running)"
                                : " (served now: " + kernels.schemes() + "; write ./" + kernel + " for a file)"),
                        ref.scheme());
            }
            return catalog.get().kernel(ref.name()).orElseThrow(() -> new XlConfigException(at.value().position(),
                    "kernel \"" + kernel + "\": no '" + ref.name() + "' among the '" + ref.scheme() + ":' kernels "
                            + catalog.get().names()));
        }
        Path path = Path.of(kernel);
        if (!path.isAbsolute()) {
            Path dir = Optional.ofNullable(file.toAbsolutePath().getParent()).orElse(Path.of("."));
            path = dir.resolve(path);
        }
        path = path.normalize();
        long memory = (long) spec.memoryMiB() << 20;
        try {
            return readRegularFile(path, memory, "a kernel must fit the domain's memory = " + spec.memoryMiB() + " MiB");
        } catch (NoSuchFileException e) {
            throw new XlConfigException(at.value().position(),
                    "kernel \"" + kernel + "\" not found (" + path + ": No such file or directory)");
        } catch (IOException e) {
            throw new XlConfigException(at.value().position(),
                    "kernel \"" + kernel + "\" cannot be used (" + path + ": " + e.getMessage() + ")");
        }
    }
}
