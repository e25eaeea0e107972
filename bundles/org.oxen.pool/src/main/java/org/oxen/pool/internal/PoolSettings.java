package org.oxen.pool.internal;

import java.net.InetAddress;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.oxen.toolstack.xl.PoolSecret;

/**
 * A runtime's pool settings, from framework properties ({@code ./oxen run -Doxen.pool=NAME ...}):
 *
 * <ul>
 * <li>{@code oxen.pool}: the pool's name; unset, the runtime is in no pool and nothing here runs;
 * <li>{@code oxen.pool.zookeeper}: the ZooKeeper connect string ({@code host:port,...}), or
 *     {@code embedded:PORT} to start a single-node ZooKeeper in this runtime (loopback) and use it;
 * <li>{@code oxen.pool.host}: this runtime's name in the pool (default: the machine's host name);
 * <li>{@code oxen.pool.secret} or {@code oxen.pool.secret.file}: the pool secret ({@link PoolSecret}:
 *     ZooKeeper digest authentication, every pool node readable and writable only with it; the
 *     migration port authenticates with it too); none: an open pool;
 * <li>{@code oxen.pool.session.ms}: the ZooKeeper session timeout (default 6000): the time after
 *     which a silent runtime counts as dead and its domains are restarted elsewhere.
 * </ul>
 *
 * @param embeddedPort the port of the embedded ZooKeeper, or -1 for none
 * @param tls ZooKeeper over TLS ({@link PoolTls}: {@code oxen.pool.tls.*}), or null: plain TCP
 */
public record PoolSettings(String pool, String connect, int embeddedPort, String host, String secret,
        int sessionMillis, PoolTls tls) {

    /** Settings without TLS. */
    public PoolSettings(String pool, String connect, int embeddedPort, String host, String secret, int sessionMillis) {
        this(pool, connect, embeddedPort, host, secret, sessionMillis, null);
    }

    static final String POOL = "oxen.pool";
    static final String ZOOKEEPER = "oxen.pool.zookeeper";
    static final String HOST = "oxen.pool.host";
    static final String SESSION = "oxen.pool.session.ms";
    static final String EMBEDDED = "embedded:";

    /** Pool and host names: path segments of ZooKeeper and words in xl's tables. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /**
     * The settings {@code property} gives, or {@code null} when {@code oxen.pool} is unset.
     *
     * @throws IllegalArgumentException naming the property and what is wrong with it
     */
    public static PoolSettings from(UnaryOperator<String> property) {
        String pool = property.apply(POOL);
        if (pool == null || pool.isBlank()) {
            return null;
        }
        pool = pool.trim();
        if (!NAME.matcher(pool).matches()) {
            throw new IllegalArgumentException(POOL + "=" + pool
                    + " is no pool name (letters, digits, '.', '_', '-'; at most 63)");
        }
        String zk = property.apply(ZOOKEEPER);
        if (zk == null || zk.isBlank()) {
            throw new IllegalArgumentException(POOL + " is set but " + ZOOKEEPER
                    + " is not (a ZooKeeper connect string host:port,..., or embedded:PORT)");
        }
        zk = zk.trim();
        int embedded = -1;
        if (zk.startsWith(EMBEDDED)) {
            embedded = port(zk.substring(EMBEDDED.length()), ZOOKEEPER + "=" + zk);
            zk = "127.0.0.1:" + embedded;
        }
        String host = property.apply(HOST);
        if (host == null || host.isBlank()) {
            host = localHostName();
        }
        host = host.trim();
        if (!NAME.matcher(host).matches()) {
            throw new IllegalArgumentException(HOST + "=" + host
                    + " is no host name (letters, digits, '.', '_', '-'; at most 63)");
        }
        String secret = PoolSecret.read(property);
        int session = 6000;
        String s = property.apply(SESSION);
        if (s != null && !s.isBlank()) {
            try {
                session = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                session = -1;
            }
            if (session < 1000 || session > 600_000) {
                throw new IllegalArgumentException(SESSION + "=" + s + " is not a number of ms in 1000..600000");
            }
        }
        return new PoolSettings(pool, zk, embedded, host, secret, session, PoolTls.from(property));
    }

    static int port(String text, String where) {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ": '" + text + "' is no port (1..65535)");
    }

    private static String localHostName() {
        try {
            String n = InetAddress.getLocalHost().getHostName();
            int dot = n.indexOf('.');
            return dot > 0 ? n.substring(0, dot) : n;
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "pool " + pool + " at " + connect + (tls != null ? " over TLS" : "") + " as " + host
                + (secret != null ? " (with secret)" : " (open)");
    }
}
