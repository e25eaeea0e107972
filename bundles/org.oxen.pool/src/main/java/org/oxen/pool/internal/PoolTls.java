package org.oxen.pool.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.UnaryOperator;

import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;

/**
 * ZooKeeper over TLS for a pool (client to server): this runtime's key and certificate in a key
 * store, the certificates it trusts in a trust store (PKCS12 or JKS, by the files' type), each
 * with its password. The client then speaks TLS through ZooKeeper's Netty socket and checks the
 * server's certificate and host name; the embedded ZooKeeper ({@code embedded:PORT}) listens with
 * TLS only and asks each client for its certificate (ZooKeeper's default: client auth needed),
 * so a runtime without a certificate the ensemble trusts cannot even connect.
 *
 * <p>Settings: {@value #KEYSTORE} and {@value #TRUSTSTORE} (files), {@value #KEYSTORE_PASSWORD}
 * and {@value #TRUSTSTORE_PASSWORD}; all four or none.
 */
public record PoolTls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {

    static final String KEYSTORE = "oxen.pool.tls.keystore";
    static final String KEYSTORE_PASSWORD = "oxen.pool.tls.keystore.password";
    static final String TRUSTSTORE = "oxen.pool.tls.truststore";
    static final String TRUSTSTORE_PASSWORD = "oxen.pool.tls.truststore.password";

    /**
     * The TLS settings the properties give, or {@code null} when none is set.
     *
     * @throws IllegalArgumentException naming the property missing or the file that is not there
     */
    static PoolTls from(UnaryOperator<String> property) {
        String ks = property.apply(KEYSTORE);
        String ts = property.apply(TRUSTSTORE);
        String ksp = property.apply(KEYSTORE_PASSWORD);
        String tsp = property.apply(TRUSTSTORE_PASSWORD);
        if (blank(ks) && blank(ts) && blank(ksp) && blank(tsp)) {
            return null;
        }
        for (String[] p : new String[][] {{KEYSTORE, ks}, {KEYSTORE_PASSWORD, ksp}, {TRUSTSTORE, ts},
                {TRUSTSTORE_PASSWORD, tsp}}) {
            if (blank(p[1])) {
                throw new IllegalArgumentException("ZooKeeper over TLS needs " + KEYSTORE + ", " + KEYSTORE_PASSWORD
                        + ", " + TRUSTSTORE + " and " + TRUSTSTORE_PASSWORD + "; " + p[0] + " is not set");
            }
        }
        for (String[] p : new String[][] {{KEYSTORE, ks}, {TRUSTSTORE, ts}}) {
            if (!Files.isRegularFile(Path.of(p[1].trim()))) {
                throw new IllegalArgumentException(p[0] + "=" + p[1] + " is no file");
            }
        }
        return new PoolTls(Path.of(ks.trim()), ksp, Path.of(ts.trim()), tsp);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The ZooKeeper client's configuration: TLS through its Netty socket, these stores. */
    ZKClientConfig clientConfig() {
        ZKClientConfig c = new ZKClientConfig();
        c.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        c.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
        try (ClientX509Util x = new ClientX509Util()) {
            c.setProperty(x.getSslKeystoreLocationProperty(), keyStore.toString());
            c.setProperty(x.getSslKeystorePasswdProperty(), keyStorePassword);
            c.setProperty(x.getSslTruststoreLocationProperty(), trustStore.toString());
            c.setProperty(x.getSslTruststorePasswdProperty(), trustStorePassword);
        }
        return c;
    }

    /** The embedded server's settings: a TLS-only client port on Netty, these stores. */
    void serverConfig(Properties p, int port) {
        p.remove("clientPort");
        p.remove("clientPortAddress");
        p.setProperty("secureClientPort", Integer.toString(port));
        p.setProperty("secureClientPortAddress", "127.0.0.1");
        p.setProperty("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        p.setProperty("ssl.keyStore.location", keyStore.toString());
        p.setProperty("ssl.keyStore.password", keyStorePassword);
        p.setProperty("ssl.trustStore.location", trustStore.toString());
        p.setProperty("ssl.trustStore.password", trustStorePassword);
    }

    /** Never prints the passwords. */
    @Override
    public String toString() {
        return "TLS (key store " + keyStore + ", trust store " + trustStore + ")";
    }
}
