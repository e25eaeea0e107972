package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;

/**
 * COM1 on the starting session ({@code machine boot --serial stdio}, console {@code gogo}): a
 * partial line the guest leaves while it waits (a shell's prompt) reaches the session without a
 * line end after it. The session here shows only what was flushed, as a terminal behind a
 * buffered stream does; before the board flushed at idle, the prompt of Linux's shell stayed in
 * the buffer until the next line.
 */
class SessionConsoleTest {

    @TempDir
    Path dir;

    /** Shows what was flushed to it, nothing that was only written. */
    private static final class FlushedOnly extends OutputStream {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final ByteArrayOutputStream shown = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            pending.write(b);
        }

        @Override
        public synchronized void flush() {
            shown.writeBytes(pending.toByteArray());
            pending.reset();
        }

        synchronized String shown() {
            return shown.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aPromptWithoutLineEndReachesTheSessionWhileTheGuestWaits() throws Exception {
        FlushedOnly session = new FlushedOnly();
        MachineDescription d = MachineDescription.pc().withOption("com1", "console", "gogo");
        Machine m = TestBoards.manager().boot(d, BootImage.read(Guests.rom("prompt", dir)), session);
        try {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!m.console().contains("ok> ") && System.nanoTime() < end) Thread.sleep(10);
            assertEquals("ok> ", m.console(), m.reason());
            // the guest now waits in HLT with interrupts on: the board idles and shows the prompt
            while (session.shown().isEmpty() && m.state() == MachineState.RUNNING && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals(MachineState.RUNNING, m.state(), m.reason());
            assertEquals("ok> ", session.shown(), "the session saw nothing of the prompt while the guest waited");
        } finally {
            m.stop();
            assertTrue(m.awaitEnd(Duration.ofSeconds(10)));
        }
    }
}
