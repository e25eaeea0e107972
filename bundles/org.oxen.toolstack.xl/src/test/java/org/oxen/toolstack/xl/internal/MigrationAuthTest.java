package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * xl migrate's authentication with the pool secret, both ends over pipes: the same secret
 * passes and the stream arrives with its MAC checked; a wrong secret, a sender without one, an
 * open receiver for a sender with one, and a stream altered on the way are each refused with
 * words for both ends.
 */
class MigrationAuthTest {

    private static final byte[] STREAM = "the domain's pages and vcpus".repeat(1000).getBytes(StandardCharsets.US_ASCII);

    /** What each end saw: the bytes received, or why it refused. */
    private record Ends(String sender, String receiver, byte[] received) {
    }

    /**
     * Runs a sender with {@code senderSecret} against a receiver with {@code receiverSecret};
     * {@code flip} &gt;= 0 flips that byte of the stream on the way.
     */
    private static Ends connect(String senderSecret, String receiverSecret, int flip) throws Exception {
        PipedInputStream receiverIn = new PipedInputStream(1 << 16);
        PipedOutputStream senderOut = new PipedOutputStream(receiverIn);
        PipedInputStream senderIn = new PipedInputStream(1 << 16);
        PipedOutputStream receiverOut = new PipedOutputStream(senderIn);
        Wire wire = new Wire(senderOut, flip);
        CompletableFuture<String> sender = CompletableFuture.supplyAsync(() -> {
            try (senderOut) {
                MigrationAuth.Session s = new MigrationAuth(senderSecret).sender(senderIn, wire, "the target");
                wire.streaming = true;
                MigrationAuth.MacOutputStream out = s.sign(wire);
                out.write(STREAM);
                out.flush();
                wire.streaming = false;
                MigrationAuth.finish(out, wire);
                return "sent";
            } catch (Exception e) {
                return e.getMessage();
            }
        });
        CompletableFuture<Object> receiver = CompletableFuture.supplyAsync(() -> {
            try (receiverOut) {
                MigrationAuth auth = new MigrationAuth(receiverSecret);
                MigrationAuth.MacInputStream in = auth.receiver(MigrationWire.readLine(receiverIn), receiverIn,
                        receiverOut).check(receiverIn);
                byte[] got = in.readNBytes(STREAM.length);
                MigrationAuth.verify(in, receiverIn);
                return got;
            } catch (Exception e) {
                return e.getMessage();
            }
        });
        String s = sender.get(10, TimeUnit.SECONDS);
        Object r = receiver.get(10, TimeUnit.SECONDS);
        return new Ends(s, r instanceof byte[] ? "received" : (String) r, r instanceof byte[] b ? b : null);
    }

    @Test
    void theSameSecretPassesAndTheStreamArrivesChecked() throws Exception {
        Ends e = connect("s3cret", "s3cret", -1);
        assertEquals("sent", e.sender());
        assertEquals("received", e.receiver());
        assertArrayEquals(STREAM, e.received());
    }

    @Test
    void noSecretAtEitherEndIsTheOpenConnectionOfBefore() throws Exception {
        Ends e = connect(null, null, -1);
        assertEquals("received", e.receiver());
        assertArrayEquals(STREAM, e.received());
    }

    @Test
    void aWrongSecretIsRefusedAtBothEnds() throws Exception {
        Ends e = connect("not-the-secret", "s3cret", -1);
        assertTrue(e.sender().startsWith("the target refused: wrong pool secret"), e.sender());
        assertTrue(e.receiver().startsWith("wrong pool secret"), e.receiver());
    }

    @Test
    void aSenderWithoutTheSecretIsRefusedAtBothEnds() throws Exception {
        Ends e = connect(null, "s3cret", -1);
        assertTrue(e.sender().contains("wants the pool secret (oxen.pool.secret) and this runtime has none"), e.sender());
        assertTrue(e.receiver().startsWith("the sender gave up: the sender has no pool secret"), e.receiver());
    }

    @Test
    void aSenderWithASecretSendsNothingToAnOpenReceiver() throws Exception {
        Ends e = connect("s3cret", null, -1);
        assertTrue(e.sender().contains("receives migrations without authentication and this runtime has a pool secret"),
                e.sender());
        assertTrue(e.received() == null || e.received().length == 0, "nothing arrives");
    }

    @Test
    void aStreamAlteredOnTheWayIsRefused() throws Exception {
        Ends e = connect("s3cret", "s3cret", 1234);
        assertEquals("sent", e.sender());
        assertTrue(e.receiver().contains("MAC does not match: it was altered on the way"), e.receiver());
    }

    @Test
    void aForeignHelloIsRefused() throws Exception {
        PipedInputStream in = new PipedInputStream();
        PipedOutputStream back = new PipedOutputStream();
        PipedInputStream answer = new PipedInputStream(back);
        IOException e = assertThrows(IOException.class,
                () -> new MigrationAuth("s3cret").receiver("oxen-migrate 1", in, back));
        assertTrue(e.getMessage().contains("not an oxen migration"), e.getMessage());
        assertTrue(MigrationWire.readLine(answer).startsWith("error not an oxen migration"));
        in.close();
    }

    /** The sender's side of the wire; flips byte {@code flip} of the stream (not the lines) when &gt;= 0. */
    private static final class Wire extends OutputStream {
        private final OutputStream out;
        private final int flip;
        private int at;
        volatile boolean streaming;

        Wire(OutputStream out, int flip) {
            this.out = out;
            this.flip = flip;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(streaming && at++ == flip ? b ^ 1 : b);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
