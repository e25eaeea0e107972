package org.oxen.webconsole.ws;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The server side of RFC 6455 framing (section 5), reading a client's frames into whole
 * messages. Everything a hostile client can send is checked before it is trusted: reserved bits
 * (no extension is negotiated), unknown opcodes, unmasked client frames, control frames that are
 * fragmented or longer than 125 bytes, a continuation without a start, a new message inside a
 * fragmented one, a 64-bit length with its top bit set, a message longer than
 * {@code maxMessage} (checked from the header, before any payload is read), and text that is
 * not UTF-8. Each is a {@link WebSocketProtocolException} with the close code section 7.4 gives.
 *
 * <p>Not thread-safe: one reader thread per connection. The message buffer is allocated once.
 */
public final class FrameReader {

    public static final int OP_CONTINUATION = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10;

    /** One message or control frame: its opcode and payload ({@link #payload()} is valid until the next read). */
    public interface Message {
        int opcode();

        byte[] payload();

        int length();
    }

    private final InputStream in;
    private final int maxMessage;
    private final byte[] message;
    private final byte[] control = new byte[125];
    private final byte[] header = new byte[8];
    private int opcode;
    private int length;
    private byte[] payload;
    /** A fragmented message in progress across calls (a control frame may come between its fragments): its opcode, -1 for none, and the bytes so far. */
    private int fragmentedOpcode = -1;
    private int have;

    private final Message view = new Message() {
        @Override
        public int opcode() {
            return opcode;
        }

        @Override
        public byte[] payload() {
            return payload;
        }

        @Override
        public int length() {
            return length;
        }
    };

    public FrameReader(InputStream in, int maxMessage) {
        this.in = in;
        this.maxMessage = maxMessage;
        this.message = new byte[maxMessage];
    }

    /**
     * Reads frames until a whole data message or a control frame is in.
     *
     * @throws EOFException when the peer closed the stream (between frames or inside one)
     */
    public Message next() throws IOException, WebSocketProtocolException {
        while (true) {
            readFully(header, 2);
            int b0 = header[0] & 0xFF, b1 = header[1] & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            if ((b0 & 0x70) != 0) {
                throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR,
                        "reserved bits set (0x" + Integer.toHexString(b0 & 0x70) + ") but no extension was negotiated");
            }
            int op = b0 & 0x0F;
            if ((b1 & 0x80) == 0) {
                throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR, "a client frame must be masked");
            }
            long len = b1 & 0x7F;
            if (len == 126) {
                readFully(header, 2);
                len = (header[0] & 0xFF) << 8 | header[1] & 0xFF;
            } else if (len == 127) {
                readFully(header, 8);
                if ((header[0] & 0x80) != 0) {
                    throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR,
                            "a 64-bit payload length with its most significant bit set");
                }
                len = ByteBuffer.wrap(header).getLong();
            }
            readFully(header, 4);
            boolean control = op >= 8;
            if (control) {
                if (op != OP_CLOSE && op != OP_PING && op != OP_PONG) {
                    throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR, "unknown control opcode " + op);
                }
                if (!fin) {
                    throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR, "a fragmented control frame");
                }
                if (len > 125) {
                    throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR,
                            "a control frame of " + len + " bytes (at most 125)");
                }
                readMasked(this.control, 0, (int) len);
                opcode = op;
                payload = this.control;
                length = (int) len;
                if (op == OP_CLOSE && len == 1) {
                    throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR, "a close frame with a 1-byte payload");
                }
                return view;
            }
            if (op == OP_CONTINUATION) {
                if (fragmentedOpcode < 0) {
                    throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR,
                            "a continuation frame without a message to continue");
                }
            } else if (op == OP_TEXT || op == OP_BINARY) {
                if (fragmentedOpcode >= 0) {
                    throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR,
                            "a new message inside a fragmented one");
                }
                fragmentedOpcode = op;
            } else {
                throw new WebSocketProtocolException(WebSocketProtocolException.PROTOCOL_ERROR, "unknown data opcode " + op);
            }
            if (len > maxMessage - have) {
                throw new WebSocketProtocolException(WebSocketProtocolException.TOO_BIG,
                        "a message of more than " + maxMessage + " bytes");
            }
            readMasked(message, have, (int) len);
            have += (int) len;
            if (fin) {
                opcode = fragmentedOpcode;
                payload = message;
                length = have;
                fragmentedOpcode = -1;
                have = 0;
                if (opcode == OP_TEXT) {
                    checkUtf8(message, length);
                }
                return view;
            }
        }
    }

    private void readMasked(byte[] into, int at, int len) throws IOException {
        byte m0 = header[0], m1 = header[1], m2 = header[2], m3 = header[3];
        readFully(into, at, len);
        for (int i = 0; i < len; i++) {
            int k = i & 3;
            into[at + i] ^= k == 0 ? m0 : k == 1 ? m1 : k == 2 ? m2 : m3;
        }
    }

    private static void checkUtf8(byte[] b, int len) throws WebSocketProtocolException {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, len));
        } catch (CharacterCodingException e) {
            throw new WebSocketProtocolException(WebSocketProtocolException.INVALID_PAYLOAD, "a text message that is not UTF-8");
        }
    }

    private void readFully(byte[] b, int len) throws IOException {
        readFully(b, 0, len);
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = in.read(b, off + done, len - done);
            if (n < 0) {
                throw new EOFException("the peer closed the connection");
            }
            done += n;
        }
    }
}
