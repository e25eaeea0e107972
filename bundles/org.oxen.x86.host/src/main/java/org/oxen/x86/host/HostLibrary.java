package org.oxen.x86.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The JNI library liboxenhost (src/main/c/oxenhost.c), loaded once by this class's
 * initialisation, and its native methods: one system call each.
 *
 * <p>Loading: under OSGi the bundle's {@code Bundle-NativeCode} header lets the framework
 * extract the library and {@link System#loadLibrary} find it. On a plain class path (unit tests,
 * tools) there is no such lookup, so the resource {@code linux-x86_64/liboxenhost.so} next to
 * this class is copied to a temporary file, loaded with {@link System#load} and the file deleted
 * at once (the mapping stays). A JVM loads the library into one class loader only: a second
 * class loader of this bundle in the same JVM (a bundle refresh) fails with the JDK's "already
 * loaded in another classloader", which the framework reports.
 */
final class HostLibrary {

    static final String NAME = "oxenhost";
    private static final String RESOURCE = "linux-x86_64/lib" + NAME + ".so";

    /** The host's page size in bytes (sysconf(_SC_PAGESIZE)). */
    static final int PAGE_SIZE;

    static {
        load();
        PAGE_SIZE = pageSize();
    }

    private HostLibrary() {
    }

    private static void load() {
        try {
            System.loadLibrary(NAME);
            return;
        } catch (UnsatisfiedLinkError notOnLibraryPath) {
            // plain class path: extract the jar's copy below
        }
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsatisfiedLinkError("oxen's host library lib" + NAME + ".so is built for Linux x86-64 only; this JVM runs on "
                    + os + "/" + arch);
        }
        try (InputStream in = HostLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("lib" + NAME + ".so: neither on java.library.path nor the resource "
                        + HostLibrary.class.getPackageName().replace('.', '/') + "/" + RESOURCE + " on the class path");
            }
            Path file = Files.createTempFile("lib" + NAME + "-", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError("lib" + NAME + ".so: extracting it to a temporary file failed: " + e);
            error.initCause(e);
            throw error;
        }
    }

    static native long mapAnonymous(long bytes, boolean noReserve);

    static native void dontNeed(long address, long bytes);

    static native void unmap(long address, long bytes);

    static native long resident(long address, long bytes);

    static native void protect(long address, long bytes, boolean executable);

    static native long call(long code, long context);

    private static native int pageSize();

    /** Refuses a size that is not positive, naming the operation and the argument. */
    static void checkBytes(String operation, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(operation + ": bytes must be positive, was " + bytes);
        }
    }

    /** Refuses the null address, naming the operation. */
    static void checkAddress(String operation, long address) {
        if (address == 0) {
            throw new IllegalArgumentException(operation + ": address is null (0)");
        }
    }
}
