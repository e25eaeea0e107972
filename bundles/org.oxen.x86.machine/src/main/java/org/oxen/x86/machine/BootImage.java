package org.oxen.x86.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What to boot: a multiboot v1 ELF kernel (with its command line and modules) or a ROM
 * (64 KiB or any multiple of 4 KiB up to 128 KiB, started from the reset vector).
 */
public record BootImage(String name, byte[] bytes, String cmdline, List<Module> modules) {

    /** A multiboot module: its bytes and its string (conventionally its name and arguments). */
    public record Module(String string, byte[] bytes) {
        public Module {
            Objects.requireNonNull(string, "string");
            Objects.requireNonNull(bytes, "bytes");
        }

        /** Reads module {@code path}; its string is the path followed by {@code args} if any. */
        public static Module read(Path path, String args) {
            try {
                return new Module(args == null || args.isBlank() ? path.toString() : path + " " + args, Files.readAllBytes(path));
            } catch (IOException e) {
                throw new MachineException("module " + path + ": cannot read: " + e.getMessage(), e);
            }
        }
    }

    public BootImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bytes, "bytes");
        cmdline = cmdline == null ? "" : cmdline;
        modules = List.copyOf(modules == null ? List.of() : modules);
    }

    /** Reads {@code path}; the name is the file name. */
    public static BootImage read(Path path, String cmdline, List<Module> modules) {
        try {
            return new BootImage(path.toString(), Files.readAllBytes(path), cmdline, modules);
        } catch (IOException e) {
            throw new MachineException(path + ": cannot read the image: " + e, e);
        }
    }

    public static BootImage read(Path path) {
        return read(path, "", List.of());
    }

}
