package org.oxen.webconsole.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** RFC 6455 framing: what a client may send is read, what it may not is refused with the RFC's close code. */
class FrameReaderTest {

    /** A client frame: FIN/RSV/opcode byte, masked payload. */
    private static byte[] frame(int b0, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(b0);
        if (payload.length < 126) {
            b.write(0x80 | payload.length);
        } else {
            b.write(0x80 | 126);
            b.write(payload.length >> 8);
            b.write(payload.length);
        }
        byte[] mask = {0x37, (byte) 0xFA, 0x21, 0x3D};
        b.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) b.write(payload[i] ^ mask[i & 3]);
        return b.toByteArray();
    }

    private static FrameReader reader(byte[]... frames) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] f : frames) b.writeBytes(f);
        return new FrameReader(new ByteArrayInputStream(b.toByteArray()), 64);
    }

    private static int refused(byte[]... frames) {
        return assertThrows(WebSocketProtocolException.class, () -> reader(frames).next()).closeCode();
    }

    @Test
    void aMaskedTextMessageAndAFragmentedOneWithAPingBetweenAreRead() throws Exception {
        FrameReader r = reader(frame(0x81, "echo hi\r".getBytes(StandardCharsets.UTF_8)),
                frame(0x02, "ab".getBytes(StandardCharsets.US_ASCII)), frame(0x89, "p".getBytes(StandardCharsets.US_ASCII)),
                frame(0x80, "cd".getBytes(StandardCharsets.US_ASCII)));
        FrameReader.Message m = r.next();
        assertEquals(FrameReader.OP_TEXT, m.opcode());
        assertEquals("echo hi\r", new String(m.payload(), 0, m.length(), StandardCharsets.UTF_8));
        m = r.next();
        assertEquals(FrameReader.OP_PING, m.opcode(), "a control frame may come between fragments");
        assertEquals("p", new String(m.payload(), 0, m.length(), StandardCharsets.US_ASCII));
        m = r.next();
        assertEquals(FrameReader.OP_BINARY, m.opcode());
        assertArrayEquals("abcd".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(m.payload(), m.length()));
        assertThrows(EOFException.class, r::next);
    }

    @Test
    void everyMalformedFrameIsRefusedWithItsCloseCode() {
        byte[] x = {'x'};
        assertEquals(1002, refused(new byte[] {(byte) 0x81, 0x01, 'x'}), "unmasked");
        assertEquals(1002, refused(frame(0xC1, x)), "RSV1");
        assertEquals(1002, refused(frame(0x83, x)), "data opcode 3");
        assertEquals(1002, refused(frame(0x8B, x)), "control opcode 11");
        assertEquals(1002, refused(frame(0x80, x)), "a continuation without a start");
        assertEquals(1002, refused(frame(0x01, x), frame(0x81, x)), "a new message inside a fragmented one");
        assertEquals(1002, refused(frame(0x09, x)), "a fragmented ping");
        assertEquals(1002, refused(frame(0x89, new byte[126])), "a 126-byte ping");
        assertEquals(1002, refused(frame(0x88, x)), "a close frame of one byte");
        assertEquals(1002, refused(new byte[] {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}),
                "a 64-bit length with its top bit set");
        assertEquals(1009, refused(frame(0x81, new byte[65])), "a message over the limit");
        assertEquals(1009, refused(frame(0x01, new byte[40]), frame(0x80, new byte[40])), "fragments adding up over the limit");
        assertEquals(1009, refused(new byte[] {(byte) 0x81, (byte) 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4}),
                "4 GiB announced: refused from the header, nothing read");
        assertEquals(1007, refused(frame(0x81, new byte[] {(byte) 0xC3, 0x28})), "text that is not UTF-8");
    }

    @Test
    void aPeerVanishingMidFrameIsAnEndOfStream() {
        byte[] f = frame(0x81, "hello".getBytes(StandardCharsets.US_ASCII));
        assertThrows(EOFException.class, () -> reader(Arrays.copyOf(f, f.length - 2)).next());
    }

    @Test
    void theWriterFramesAsTheRfcSaysAndClosesOnce() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter w = new FrameWriter(out);
        w.binary(new byte[200], 0, 200);
        byte[] b = out.toByteArray();
        assertEquals(0x82, b[0] & 0xFF);
        assertEquals(126, b[1] & 0xFF, "no mask bit from a server; 16-bit length");
        assertEquals(200, (b[2] & 0xFF) << 8 | b[3] & 0xFF);
        out.reset();
        w.close(1002, "bad");
        w.close(1000, "again");
        w.text("after");
        b = out.toByteArray();
        assertEquals(7, b.length, "one close frame, nothing after it");
        assertEquals(0x88, b[0] & 0xFF);
        assertEquals(1002, (b[2] & 0xFF) << 8 | b[3] & 0xFF);
        assertTrue(Handshake.accept("dGhlIHNhbXBsZSBub25jZQ==").equals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "RFC 6455's example");
        assertEquals(null, Handshake.problem("GET", "websocket", "keep-alive, Upgrade", "13", "dGhlIHNhbXBsZSBub25jZQ=="));
        assertEquals("Sec-WebSocket-Version must be 13", Handshake.problem("GET", "websocket", "Upgrade", "8", "dGhlIHNhbXBsZSBub25jZQ=="));
        assertEquals("Sec-WebSocket-Key is not 16 bytes in base64", Handshake.problem("GET", "websocket", "Upgrade", "13", "AAAA"));
    }
}
