package org.oxen.x86.machine.internal;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds guest images at test time from the sources in the test resources: test kernels with
 * GNU as/ld (--32), x86bench with its Makefile (gcc -m32, ld, nasm: see setup-host.sh).
 */
public final class Guests {

    private Guests() {
    }

    /**
     * The test-resource folder {@code name}, as a path of the default file system: inside this
     * module's test classes, or copied out of the test-kit jar (other modules' tests) once per run.
     */
    public static synchronized Path resources(String name) {
        java.net.URI uri;
        try {
            uri = Guests.class.getResource("/" + name).toURI();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource folder " + name + " not found", e);
        }
        if (!uri.getScheme().equals("jar")) {
            return Path.of(uri);
        }
        try (java.nio.file.FileSystem jar = java.nio.file.FileSystems.newFileSystem(uri, java.util.Map.of());
                Stream<Path> files = Files.walk(jar.getPath("/" + name))) {
            Path out = Files.createTempDirectory("oxen-test-kit-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> copied = Files.walk(out)) {
                    copied.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // best effort: a temp directory
                }
            }));
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = out.resolve(f.toString().substring(1));
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
            return out.resolve(name);
        } catch (IOException e) {
            throw new IllegalStateException("test resource folder " + name + " cannot be copied out of " + uri, e);
        }
    }

    /** Assembles and links test kernel {@code kernels/<name>.S} into {@code dir}; returns the ELF. */
    public static Path kernel(String name, Path dir) throws IOException, InterruptedException {
        Path src = resources("kernels");
        Path obj = dir.resolve(name + ".o");
        Path elf = dir.resolve(name + ".elf");
        run(dir, "as", "--32", "-I", src.toString(), "-o", obj.toString(), src.resolve(name + ".S").toString());
        run(dir, "ld", "-m", "elf_i386", "-Ttext=0x100000", "-z", "max-page-size=4096", "--build-id=none",
                "-e", "_start", "-o", elf.toString(), obj.toString());
        return elf;
    }

    /**
     * Assembles test kernel {@code kernels/<name>.S} as a flat bzImage-format file (linked at
     * 0xFFC00, so file offset 0x400 — after the boot sector and one setup sector — is 0x100000).
     */
    public static Path bzImage(String name, Path dir) throws IOException, InterruptedException {
        Path src = resources("kernels");
        Path obj = dir.resolve(name + ".o");
        Path img = dir.resolve(name + ".bzImage");
        run(dir, "as", "--32", "-I", src.toString(), "-o", obj.toString(), src.resolve(name + ".S").toString());
        run(dir, "ld", "-m", "elf_i386", "-Ttext=0xFFC00", "--oformat", "binary", "--build-id=none", "-e", "_start",
                "-o", img.toString(), obj.toString());
        return img;
    }

    /**
     * Assembles ROM program {@code roms/<name>.S} (see roms/rom.inc) into a 64 KiB image for
     * 0xF0000 started from the reset vector; returns the image.
     */
    public static Path rom(String name, Path dir) throws IOException, InterruptedException {
        Path src = resources("roms");
        Path obj = dir.resolve(name + ".o");
        Path img = dir.resolve(name + ".rom");
        run(dir, "as", "--32", "-I", src.toString(), "-o", obj.toString(), src.resolve(name + ".S").toString());
        run(dir, "ld", "-m", "elf_i386", "-Ttext=0", "--oformat", "binary", "--build-id=none", "-e", "_start",
                "-o", img.toString(), obj.toString());
        return img;
    }

    /** Copies x86bench into {@code dir} and runs its Makefile with these sizes; returns {@code dir/out}. */
    static Path x86bench(Path dir, long loopIters, int mixRounds, int paging) throws IOException, InterruptedException {
        Path src = resources("x86bench");
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        run(dir, "make", "-s", "LOOP_ITERS=" + loopIters, "MIX_ROUNDS=" + mixRounds, "PAGING=" + paging);
        return dir.resolve("out");
    }

    static String tag(long loopIters, int mixRounds, int paging) {
        return "L" + loopIters + "_M" + mixRounds + "_P" + paging;
    }

    /** Runs a host command in {@code dir}; returns its output, fails with it on a non-zero status. */
    static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(cmd));
        Process p = new ProcessBuilder(c).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (run ./oxen setup for the host tools):\n" + out);
        }
        return out;
    }
}
