package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A bridge's pcap file read back by Debian's tcpdump (vswitch's setup-host.sh installs it). */
final class CaptureReader {
    private CaptureReader() {
    }

    static List<String> tcpdump(Path file) throws Exception {
        return tcpdump(file, "-t");
    }

    /** tcpdump -r FILE -nn -e and {@code options} (e.g. "-vv" to check every UDP checksum). */
    static List<String> tcpdump(Path file, String... options) throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/tcpdump")),
                "tcpdump is missing: bundles/org.oxen.io.vswitch/setup-host.sh installs it (./oxen test runs it)");
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/tcpdump", "-r", file.toString(), "-nn", "-e"));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "tcpdump -r: " + err);
        return out.lines().toList();
    }
}
