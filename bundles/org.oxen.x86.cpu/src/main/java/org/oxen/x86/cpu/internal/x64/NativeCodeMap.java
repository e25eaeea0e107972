package org.oxen.x86.cpu.internal.x64;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the native tier writes for a profiler or a reader of its code, behind two system
 * properties (off by default; read once):
 * <ul>
 * <li>{@code oxen.x86.native.perfMap=FILE}: one line per installed region, {@code START SIZE
 * oxen-native-EIP-gGEN} in hex (perf's {@code /tmp/perf-PID.map} format), appended as regions
 * are installed. The JVM's {@code -XX:+DumpPerfMapAtExit} rewrites {@code /tmp/perf-PID.map} at
 * exit, so name another file and append it to that one after the run: perf then names the
 * arena's code instead of showing unknown addresses.</li>
 * <li>{@code oxen.x86.native.dump=DIR}: each installed region's bytes as {@code
 * DIR/EIP-gGEN-ADDRESS.bin}, for {@code objdump -D -b binary -mi386:x86-64
 * --adjust-vma=ADDRESS}.</li>
 * </ul>
 *
 * <p>Locking: appends to one file from any CPU's thread are serialised on the class.
 */
final class NativeCodeMap {

    private static final Path PERF_MAP = path("oxen.x86.native.perfMap");
    private static final Path DUMP = path("oxen.x86.native.dump");

    private NativeCodeMap() {
    }

    private static Path path(String property) {
        String p = System.getProperty(property);
        return p == null || p.isEmpty() ? null : Path.of(p);
    }

    /** Whether anything is written (the callers' test before building names). */
    static boolean enabled() {
        return PERF_MAP != null || DUMP != null;
    }

    /** Records {@code code}, installed at {@code address} for the guest's {@code eip} in arena generation {@code generation}. */
    static synchronized void installed(long address, byte[] code, int eip, int generation) {
        String name = String.format("%08x-g%d", eip, generation);
        try {
            if (PERF_MAP != null) {
                String line = String.format("%x %x oxen-native-%s%n", address, code.length, name);
                Files.write(PERF_MAP, line.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            if (DUMP != null) {
                Files.createDirectories(DUMP);
                Files.write(DUMP.resolve(name + String.format("-%x.bin", address)), code);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
