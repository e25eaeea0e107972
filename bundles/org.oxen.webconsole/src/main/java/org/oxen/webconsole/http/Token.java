package org.oxen.webconsole.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The web console's one secret, as Jupyter's token: configured (framework property
 * {@value #PROPERTY}, at least 16 characters) or 24 random bytes printed at start-up. A request
 * carries it as {@code Authorization: Bearer <token>}, the cookie {@value #COOKIE} (set when a
 * page is opened with {@code ?token=}), or that query parameter. Compared in constant time.
 * Immutable.
 */
public final class Token {

    public static final String PROPERTY = "oxen.web.token";
    public static final String COOKIE = "oxen-token";
    public static final String PARAMETER = "token";
    static final int MIN_LENGTH = 16;

    /** What a request showed. */
    public enum Check {
        /** It carried the token. */
        OK,
        /** It carried none: 401. */
        MISSING,
        /** It carried another: 403. */
        WRONG
    }

    private final String value;
    private final byte[] bytes;

    private Token(String value) {
        this.value = value;
        this.bytes = value.getBytes(StandardCharsets.UTF_8);
    }

    /** The configured token, or a random one when {@code configured} is null or empty. */
    public static Token of(String configured) {
        if (configured == null || configured.isEmpty()) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            return new Token(HexFormat.of().formatHex(b));
        }
        if (configured.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(PROPERTY + " must be at least " + MIN_LENGTH + " characters (it has "
                    + configured.length() + ")");
        }
        for (int i = 0; i < configured.length(); i++) {
            char c = configured.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == ';' || c == ',' || c == '"' || c == '\\') {
                throw new IllegalArgumentException(PROPERTY + " may hold only printable ASCII without spaces, quotes,"
                        + " backslashes, ',' or ';' (character " + i + " is not)");
            }
        }
        return new Token(configured);
    }

    public String value() {
        return value;
    }

    /** Whether {@code candidate} is the token (constant time in the candidate's content). */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(bytes, candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** Checks the header, then the query parameter, then the cookie; any one that is wrong makes the request WRONG. */
    public Check check(HttpServletRequest req) {
        boolean seen = false;
        String auth = req.getHeader("Authorization");
        if (auth != null) {
            if (!auth.regionMatches(true, 0, "Bearer ", 0, 7) || !matches(auth.substring(7).trim())) return Check.WRONG;
            seen = true;
        }
        String q = queryToken(req);
        if (q != null) {
            if (!matches(q)) return Check.WRONG;
            seen = true;
        }
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (COOKIE.equals(c.getName())) {
                    // a stale cookie from an earlier start is overridden by a fresh token in the URL
                    if (!matches(c.getValue()) && q == null && auth == null) return Check.WRONG;
                    seen |= matches(c.getValue());
                }
            }
        }
        return seen ? Check.OK : Check.MISSING;
    }

    /** The {@value #PARAMETER} query parameter, read from the raw query (never the body). */
    static String queryToken(HttpServletRequest req) {
        String query = req.getQueryString();
        if (query == null) return null;
        for (String part : query.split("&")) {
            if (part.startsWith(PARAMETER + "=")) {
                return java.net.URLDecoder.decode(part.substring(PARAMETER.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
