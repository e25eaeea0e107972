package org.oxen.x86.cpu.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.security.MessageDigest;

/**
 * Assembles test programs with GNU as (Intel syntax, no prefixes) into flat binaries linked at
 * a given address. Results are cached under target/asm-cache by content hash.
 */
public final class Asm {
    private static final Path CACHE = Path.of("target", "asm-cache");

    private Asm() {
    }

    /** 32-bit code ({@code .code32} default; use {@code .code16} inside for 16-bit parts). */
    public static byte[] asm(int org, String src) {
        String full = ".intel_syntax noprefix\n.text\n.code32\n" + src + "\n";
        try {
            Files.createDirectories(CACHE);
            String key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest((org + ":" + full).getBytes(StandardCharsets.UTF_8)));
            Path bin = CACHE.resolve(key + ".bin");
            if (Files.exists(bin)) {
                return Files.readAllBytes(bin);
            }
            Path s = CACHE.resolve(key + ".s"), o = CACHE.resolve(key + ".o"), tmp = CACHE.resolve(key + ".tmp");
            Files.writeString(s, full);
            run("as", "--32", "-o", o.toString(), s.toString());
            run("ld", "-m", "elf_i386", "-Ttext=0x" + Integer.toHexString(org), "--oformat", "binary", "-e", "0",
                    "-o", tmp.toString(), o.toString());
            Files.move(tmp, bin);
            return Files.readAllBytes(bin);
        } catch (IOException | InterruptedException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("assembling failed: " + e.getMessage() + "\n" + full, e);
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
    }
}
