package org.oxen.storage.qcow2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's qemu-img / qemu-io (qemu-utils, installed by this bundle's setup-host.sh). */
final class QemuImg {
    record Result(int exit, String out) {
    }

    private QemuImg() {
    }

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    /** Runs and requires exit 0. */
    static String ok(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        if (r.exit != 0) {
            throw new AssertionError(String.join(" ", args) + " exited " + r.exit + ":\n" + r.out);
        }
        return r.out;
    }

    /** qemu-img check's exit status (0 clean, 3 leaks only, 2 corrupt), with its output on failure. */
    static Result check(Path image) throws IOException, InterruptedException {
        return run("qemu-img", "check", "-f", "qcow2", image.toString());
    }

    static void assertClean(Path image) throws IOException, InterruptedException {
        assertClean(image, false);
    }

    /** {@code shared}: the image is open in oxen (which holds its lock): check with -U (force-share). */
    static void assertClean(Path image, boolean shared) throws IOException, InterruptedException {
        Result r = shared ? run("qemu-img", "check", "-U", "-f", "qcow2", image.toString()) : check(image);
        if (r.exit != 0) {
            throw new AssertionError("qemu-img check " + image + " exited " + r.exit + ":\n" + r.out);
        }
    }

    /** qemu-img compare of a raw file with a qcow2 image: true when their contents are identical. */
    static void assertSame(Path raw, Path qcow2) throws IOException, InterruptedException {
        Result r = run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), qcow2.toString());
        if (r.exit != 0) {
            throw new AssertionError("qemu-img compare " + raw + " " + qcow2 + " exited " + r.exit + ":\n" + r.out);
        }
    }
}
