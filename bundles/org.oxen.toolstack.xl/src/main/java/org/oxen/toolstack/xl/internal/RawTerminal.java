package org.oxen.toolstack.xl.internal;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The process's terminal in raw mode while {@code xl console} runs (xenconsole's cfmakeraw): keys
 * reach the guest one by one, unechoed, Ctrl-] detaches without Enter. Done with stty on
 * /dev/tty (the runtime's Gogo shell reads System.in without a terminal library); closing
 * restores the saved settings. Where stty or /dev/tty is missing, {@link #enter} returns null and
 * the console works line by line.
 */
final class RawTerminal implements AutoCloseable {

    private final String saved;

    private RawTerminal(String saved) {
        this.saved = saved;
    }

    static RawTerminal enter() {
        File tty = new File("/dev/tty");
        if (!tty.exists()) return null;
        try {
            String saved = stty("-g").trim();
            if (saved.isEmpty()) return null;
            stty("raw", "-echo");
            return new RawTerminal(saved);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        try {
            stty(saved);
        } catch (IOException e) {
            // the terminal is gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("stty");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroy();
            throw new IOException("stty " + String.join(" ", args) + " failed");
        }
        return new String(out, StandardCharsets.US_ASCII);
    }
}
