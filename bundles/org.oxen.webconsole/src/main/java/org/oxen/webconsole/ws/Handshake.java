package org.oxen.webconsole.ws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** RFC 6455 section 4.2: what makes an HTTP request a WebSocket opening handshake, and the accept key. */
public final class Handshake {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private Handshake() {
    }

    /**
     * Why a request is not a version-13 opening handshake, or null when it is: a GET with
     * {@code Upgrade: websocket}, {@code Connection: upgrade}, {@code Sec-WebSocket-Version: 13}
     * and a key that is 16 bytes in base64.
     */
    public static String problem(String method, String upgrade, String connection, String version, String key) {
        if (!"GET".equals(method)) return "a WebSocket handshake is a GET";
        if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) return "no 'Upgrade: websocket' header";
        if (connection == null || !hasToken(connection, "upgrade")) return "no 'Connection: Upgrade' header";
        if (!"13".equals(version == null ? null : version.trim())) return "Sec-WebSocket-Version must be 13";
        if (key == null) return "no Sec-WebSocket-Key";
        try {
            if (Base64.getDecoder().decode(key.trim()).length != 16) return "Sec-WebSocket-Key is not 16 bytes in base64";
        } catch (IllegalArgumentException e) {
            return "Sec-WebSocket-Key is not base64";
        }
        return null;
    }

    private static boolean hasToken(String header, String token) {
        for (String t : header.split(",")) {
            if (t.trim().equalsIgnoreCase(token)) return true;
        }
        return false;
    }

    /** Sec-WebSocket-Accept for {@code key}. */
    public static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key.trim() + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JVM", e);
        }
    }
}
