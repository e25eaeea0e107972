package org.oxen.debug.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * gdb's remote serial protocol by hand, in ack mode, over a loopback socket: what a test needs to
 * check a stub packet by packet (and to send it garbage). Every reply's checksum is checked; a
 * protocol error is an {@link AssertionError} naming what came instead.
 */
public final class RemoteProtocolClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RemoteProtocolClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends a packet, expects its ack and returns the reply's payload (acked). */
    public String exchange(String payload) throws IOException {
        send(payload);
        expect('+', "the ack of " + payload);
        return reply();
    }

    /** Sends {@code $payload#checksum}. */
    public void send(String payload) throws IOException {
        int sum = 0;
        for (char c : payload.toCharArray()) {
            sum += c;
        }
        out.write(String.format("$%s#%02x", payload, sum & 0xFF).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one reply packet, checks its checksum and acks it. */
    public String reply() throws IOException {
        expect('$', "a reply packet");
        StringBuilder reply = new StringBuilder();
        int c;
        int sum = 0;
        while ((c = in.read()) != '#') {
            if (c < 0) throw new AssertionError("the stub closed the connection inside a reply: " + reply);
            reply.append((char) c);
            sum += c;
        }
        int cs = Integer.parseInt("" + (char) in.read() + (char) in.read(), 16);
        if (cs != (sum & 0xFF)) {
            throw new AssertionError("bad checksum " + cs + " of the reply " + reply);
        }
        out.write('+');
        out.flush();
        return reply.toString();
    }

    /** {@code monitor command} (qRcmd): the text the stub answers, decoded. */
    public String monitor(String command) throws IOException {
        String r = exchange("qRcmd," + HexFormat.of().formatHex(command.getBytes(StandardCharsets.US_ASCII)));
        return new String(HexFormat.of().parseHex(r), StandardCharsets.US_ASCII);
    }

    /** Ctrl-C while the target runs. */
    public void interrupt() throws IOException {
        out.write(0x03);
        out.flush();
    }

    /** Raw bytes, for hostile input. */
    public void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One byte from the stub ('+', '-', ...). */
    public int read() throws IOException {
        return in.read();
    }

    private void expect(int want, String what) throws IOException {
        int got = in.read();
        if (got != want) {
            throw new AssertionError("expected '" + (char) want + "' (" + what + ") but read " + got);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
