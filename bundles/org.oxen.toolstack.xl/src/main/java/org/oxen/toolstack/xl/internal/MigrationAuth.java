package org.oxen.toolstack.xl.internal;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authentication of {@code xl migrate}'s connections with the pool secret
 * ({@link org.oxen.toolstack.xl.PoolSecret}), both ends in one place. Each side sends a fresh
 * 32-byte nonce; each proves it holds the secret K with HMAC-SHA256(K, label | sender nonce |
 * receiver nonce), the sender first, the receiver second (so neither sends its proof to a peer
 * that has not shown its nonce, and a recorded proof is worthless for another connection); the
 * stream that follows is authenticated as a whole by HMAC-SHA256 under a key derived the same way,
 * sent after it and checked before the restored domain may run:
 *
 * <pre>
 *   sender   -> "oxen-migrate 2 &lt;sender nonce&gt;"
 *   receiver -> "challenge &lt;receiver nonce&gt;"          (it has a secret)  or "open" (it has none)
 *   sender   -> "auth &lt;sender proof&gt;"                 (or "error ..." when it has no secret)
 *   receiver -> "ok &lt;receiver proof&gt;"  or "error wrong pool secret ..."
 *   sender   -> the stream, then "mac &lt;stream MAC&gt;"
 * </pre>
 *
 * A sender with a secret refuses a receiver that is open or cannot prove the secret (a pool
 * domain's memory goes only to a host of its pool); a receiver with a secret refuses a sender
 * without one or with another, before anything is restored. Not encryption: the memory travels
 * in clear (keep the port on a trusted network). Without a secret at either end the connection
 * is as before: no proof, no MAC.
 *
 * <p>Locking: none; one instance per runtime is immutable, a {@link Session} belongs to one
 * connection's thread.
 */
final class MigrationAuth {

    static final String HELLO = "oxen-migrate 2";
    /** How long either end waits for the other's next handshake line. */
    static final int HANDSHAKE_TIMEOUT_MS = 30_000;
    private static final String MAC = "HmacSHA256";
    private static final int NONCE_BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The secret's bytes, or null: no authentication. */
    private final byte[] key;

    MigrationAuth(String secret) {
        this.key = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    boolean hasSecret() {
        return key != null;
    }

    /** A refusal by either end, in words for the user; the peer was told when it could be. */
    static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }

    /** One authenticated connection: its stream key, or none when both ends are open. */
    static final class Session {
        private final byte[] streamKey;

        private Session(byte[] streamKey) {
            this.streamKey = streamKey;
        }

        /** {@code out} with every byte written through it counted into the stream MAC. */
        MacOutputStream sign(OutputStream out) {
            return new MacOutputStream(out, streamKey);
        }

        /** {@code in} with every byte read through it counted into the stream MAC. */
        MacInputStream check(InputStream in) {
            return new MacInputStream(in, streamKey);
        }
    }

    /** The sender's side: hello, proof, the receiver's proof checked. */
    Session sender(InputStream in, OutputStream out, String target) throws IOException {
        byte[] mine = nonce();
        MigrationWire.writeLine(out, HELLO + " " + HEX.formatHex(mine));
        String reply = MigrationWire.readLine(in);
        if (reply.startsWith("error ")) {
            throw new RefusedException("the target refused: " + reply.substring(6));
        }
        if (reply.equals("open")) {
            if (key != null) {
                throw new RefusedException("the target at " + target + " receives migrations without authentication"
                        + " and this runtime has a pool secret: the domain is not sent there");
            }
            return new Session(null);
        }
        byte[] theirs = hexField(reply, "challenge", "the target's challenge");
        if (key == null) {
            MigrationWire.writeLine(out, "error the sender has no pool secret");
            throw new RefusedException("the target at " + target + " wants the pool secret (oxen.pool.secret) and"
                    + " this runtime has none");
        }
        MigrationWire.writeLine(out, "auth " + HEX.formatHex(hmac(key, "oxen-migrate sender", mine, theirs)));
        reply = MigrationWire.readLine(in);
        if (reply.startsWith("error ")) {
            throw new RefusedException("the target refused: " + reply.substring(6));
        }
        byte[] proof = hexField(reply, "ok", "the target's proof");
        if (!MessageDigest.isEqual(proof, hmac(key, "oxen-migrate receiver", mine, theirs))) {
            throw new RefusedException("the target at " + target + " does not know the pool secret: the domain is not"
                    + " sent there");
        }
        return new Session(hmac(key, "oxen-migrate stream", mine, theirs));
    }

    /**
     * The receiver's side, after the hello line: challenge, the sender's proof checked, its own
     * proof sent.
     *
     * @throws RefusedException (the sender was told) naming what was wrong
     */
    Session receiver(String hello, InputStream in, OutputStream out) throws IOException {
        if (!hello.startsWith(HELLO + " ")) {
            MigrationWire.writeLine(out, "error not an oxen migration (want '" + HELLO + " <nonce>')");
            throw new RefusedException("not an oxen migration: '" + printable(hello) + "'");
        }
        byte[] theirs = hexField(hello, HELLO, "the sender's nonce");
        if (key == null) {
            MigrationWire.writeLine(out, "open");
            return new Session(null);
        }
        byte[] mine = nonce();
        MigrationWire.writeLine(out, "challenge " + HEX.formatHex(mine));
        String reply = MigrationWire.readLine(in);
        if (reply.startsWith("error ")) {
            throw new RefusedException("the sender gave up: " + printable(reply.substring(6)));
        }
        byte[] proof = hexField(reply, "auth", "the sender's proof");
        if (!MessageDigest.isEqual(proof, hmac(key, "oxen-migrate sender", theirs, mine))) {
            MigrationWire.writeLine(out, "error wrong pool secret (the sender's proof does not match this runtime's"
                    + " oxen.pool.secret)");
            throw new RefusedException("wrong pool secret (the sender's proof does not match)");
        }
        MigrationWire.writeLine(out, "ok " + HEX.formatHex(hmac(key, "oxen-migrate receiver", theirs, mine)));
        return new Session(hmac(key, "oxen-migrate stream", theirs, mine));
    }

    /** Sends the stream's MAC after the stream (nothing when the connection is open). */
    static void finish(MacOutputStream stream, OutputStream out) throws IOException {
        stream.flush();
        if (stream.mac != null) {
            MigrationWire.writeLine(out, "mac " + HEX.formatHex(stream.mac.doFinal()));
        }
    }

    /**
     * Reads and checks the stream's MAC after the stream.
     *
     * @throws RefusedException when it does not match (the stream was altered on the way)
     */
    static void verify(MacInputStream stream, InputStream in) throws IOException {
        if (stream.mac == null) {
            return;
        }
        byte[] sent = hexField(MigrationWire.readLine(in), "mac", "the stream's MAC");
        if (!MessageDigest.isEqual(sent, stream.mac.doFinal())) {
            throw new RefusedException("the migration stream's MAC does not match: it was altered on the way");
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private static byte[] hexField(String line, String word, String what) throws IOException {
        if (!line.startsWith(word + " ")) {
            throw new RefusedException("expected " + what + " ('" + word + " <hex>'), got '" + printable(line) + "'");
        }
        String hex = line.substring(word.length() + 1);
        if (hex.length() != 2 * NONCE_BYTES) {
            throw new RefusedException(what + " is not " + NONCE_BYTES + " bytes in hex");
        }
        try {
            return HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new RefusedException(what + " is not hex");
        }
    }

    private static String printable(String s) {
        String p = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return p.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static Mac mac(byte[] key) {
        try {
            Mac m = Mac.getInstance(MAC);
            m.init(new SecretKeySpec(key, MAC));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC + " is part of every Java runtime", e);
        }
    }

    private static byte[] hmac(byte[] key, String label, byte[] senderNonce, byte[] receiverNonce) {
        Mac m = mac(key);
        m.update(label.getBytes(StandardCharsets.US_ASCII));
        m.update(senderNonce);
        m.update(receiverNonce);
        return m.doFinal();
    }

    /** An output stream that feeds what passes into the stream MAC (none: a plain pass-through). */
    static final class MacOutputStream extends FilterOutputStream {
        private final Mac mac;

        MacOutputStream(OutputStream out, byte[] key) {
            super(out);
            this.mac = key == null ? null : mac(key);
        }

        @Override
        public void write(int b) throws IOException {
            if (mac != null) {
                mac.update((byte) b);
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (mac != null) {
                mac.update(b, off, len);
            }
            out.write(b, off, len);
        }
    }

    /** An input stream that feeds what passes into the stream MAC (none: a plain pass-through). */
    static final class MacInputStream extends FilterInputStream {
        private final Mac mac;

        MacInputStream(InputStream in, byte[] key) {
            super(in);
            this.mac = key == null ? null : mac(key);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && mac != null) {
                mac.update((byte) b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0 && mac != null) {
                mac.update(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // every byte must pass through the MAC
            long done = 0;
            byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
