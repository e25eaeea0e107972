package org.oxen.vmm.abi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles a C program that prints {@code key value} lines with {@code gcc -m32}, runs it and
 * returns the values: the way the ABI tests ask the C compiler what a header says.
 *
 * <p>{@link #XEN_PROLOGUE} includes Xen's public headers from Debian's libxen-dev as a 32-bit
 * PV guest sees them: the x86_32 arch headers (gcc -m32 selects them) at the latest interface
 * version, as Mini-OS and the kernels oxen boots are built.
 */
final class CDump {
    private CDump() {
    }

    static final Path XEN_INCLUDE = Path.of("/usr/include/xen");

    /** The headers oxen's ABI draws from, in include order. */
    static final String XEN_PROLOGUE = """
            #define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
            #include <stdint.h>
            #include <xen/xen.h>
            #include <xen/errno.h>
            #include <xen/elfnote.h>
            #include <xen/features.h>
            #include <xen/version.h>
            #include <xen/memory.h>
            #include <xen/sched.h>
            #include <xen/vcpu.h>
            #include <xen/callback.h>
            #include <xen/physdev.h>
            #include <xen/event_channel.h>
            #include <xen/grant_table.h>
            #include <xen/io/console.h>
            #include <xen/io/xs_wire.h>
            #include <xen/io/ring.h>
            #include <xen/io/netif.h>
            #include <xen/trace.h>
            #include <xen/arch-x86/hvm/start_info.h>
            #include <xen/hvm/hvm_op.h>
            #include <xen/hvm/params.h>
            #include <xen/arch-x86/cpuid.h>
            """;

    /** Printers: {@code P("key", expr)} prints an integer or a string expression. */
    private static final String PRINTERS = """
            #include <stdio.h>
            #include <stddef.h>
            static void p_int(const char *k, long long v) { printf("%s %lld\\n", k, v); }
            static void p_str(const char *k, const char *v) { printf("%s \\"%s\\"\\n", k, v); }
            #define P(k, x) _Generic((x), char *: p_str, const char *: p_str, default: p_int)(k, x)
            """;

    /** Fails the calling test unless gcc -m32 and Xen's headers are present. */
    static void requireToolchain() {
        if (!Files.isRegularFile(XEN_INCLUDE.resolve("xen.h"))) {
            throw new AssertionError("Xen's public headers are missing (" + XEN_INCLUDE
                    + "/xen.h): run bundles/org.oxen.vmm.abi/setup-host.sh (installs libxen-dev)");
        }
    }

    /**
     * Compiles {@code prologue} + one {@code P(key, expr)} per entry of {@code exprs}, runs the
     * program and returns key → printed value (an integer in decimal or a quoted string).
     */
    static Map<String, String> values(Path work, String name, String prologue, Map<String, String> exprs)
            throws IOException, InterruptedException {
        StringBuilder c = new StringBuilder(prologue).append(PRINTERS).append("int main(void) {\n");
        for (Map.Entry<String, String> e : exprs.entrySet()) {
            c.append("    P(\"").append(e.getKey()).append("\", ").append(e.getValue()).append(");\n");
        }
        c.append("    return 0;\n}\n");
        Path src = work.resolve(name + ".c");
        Path exe = work.resolve(name);
        Files.writeString(src, c);
        run(work, "gcc", "-m32", "-std=gnu11", "-w", "-o", exe.toString(), src.toString());
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : run(work, exe.toString()).split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                out.put(line.substring(0, sp), line.substring(sp + 1));
            }
        }
        return out;
    }

    /** Runs a command in {@code dir}; its stdout, or an AssertionError with its output. */
    static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + ": no answer in 120 s");
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "):\n" + text);
        }
        return text;
    }

    /** Reads a {@code NAME  expression} table: # comments, blank lines skipped, order kept. */
    static Map<String, String> table(String resource) throws IOException {
        Map<String, String> t = new LinkedHashMap<>();
        try (var in = CDump.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError("missing test resource " + resource);
            }
            List<String> lines = new ArrayList<>(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .split("\n")));
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] kv = line.split("\\s+", 2);
                if (kv.length != 2) {
                    throw new AssertionError(resource + ":" + (i + 1) + ": expected 'NAME expression': " + line);
                }
                if (t.put(kv[0], kv[1]) != null) {
                    throw new AssertionError(resource + ":" + (i + 1) + ": " + kv[0] + " listed twice");
                }
            }
        }
        return t;
    }
}
