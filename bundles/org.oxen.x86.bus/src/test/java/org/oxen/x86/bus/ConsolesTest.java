package org.oxen.x86.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.DeviceConfigException;

class ConsolesTest {

    @Test
    void fileConsoleAppends(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("com1.log");
        for (String s : new String[] {"one\n", "two\n"}) {
            Console c = Consoles.open("com1", "file:" + f);
            s.chars().forEach(c::write);
            c.close();
        }
        assertEquals("one\ntwo\n", Files.readString(f));
    }

    @Test
    void tcpConsoleServesOneLoopbackClient() throws Exception {
        Consoles.TcpConsole c = Consoles.tcp("com1", 0);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), c.port())) {
            s.getOutputStream().write("hi".getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            StringBuilder in = new StringBuilder();
            long end = System.nanoTime() + 5_000_000_000L;
            while (in.length() < 2 && System.nanoTime() < end) {
                int b = c.poll();
                if (b >= 0) {
                    in.append((char) b);
                } else {
                    Thread.sleep(5);
                }
            }
            assertEquals("hi", in.toString());
            assertTrue(c.readable());
            "ok".chars().forEach(c::write);
            c.flush();
            InputStream is = s.getInputStream();
            assertEquals('o', is.read());
            assertEquals('k', is.read());
        } finally {
            c.close();
        }
    }

    @Test
    void specsAndErrors() {
        Console none = Consoles.open("x", "none");
        none.write('a');
        assertEquals(-1, none.poll());
        assertNull(Consoles.open("x", "gogo"), "the board supplies the Gogo session");
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> Consoles.open("com1", "serial"));
        assertTrue(e.getMessage().startsWith("device com1: unknown console 'serial'"), e.getMessage());
        assertThrows(DeviceConfigException.class, () -> Consoles.open("com1", "tcp:http"));
    }
}
