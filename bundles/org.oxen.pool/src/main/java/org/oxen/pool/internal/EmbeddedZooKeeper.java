package org.oxen.pool.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/**
 * A single-node ZooKeeper inside this runtime ({@code oxen.pool.zookeeper=embedded:PORT}), for
 * trying a pool on one machine: ZooKeeper's own embedded server, on loopback only, its data in a
 * temporary directory removed when it stops, its admin server and four-letter words off; with
 * {@link PoolTls} settings it serves TLS only.
 */
final class EmbeddedZooKeeper implements AutoCloseable {

    private final Path dir;
    private final ZooKeeperServerEmbedded server;

    /** A server on 127.0.0.1:{@code port}, TLS only when {@code tls} is given. */
    EmbeddedZooKeeper(int port, PoolTls tls) throws Exception {
        dir = Files.createTempDirectory("oxen-zookeeper-");
        Properties p = new Properties();
        p.setProperty("dataDir", dir.resolve("data").toString());
        p.setProperty("clientPort", Integer.toString(port));
        p.setProperty("clientPortAddress", "127.0.0.1");
        p.setProperty("tickTime", "500");
        p.setProperty("initLimit", "10");
        p.setProperty("syncLimit", "5");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("4lw.commands.whitelist", "");
        if (tls != null) {
            tls.serverConfig(p, port);
        }
        // ZooKeeper loads its metrics provider and connection factory through the thread's context
        // class loader: this bundle's, where they are (its threads inherit it)
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(EmbeddedZooKeeper.class.getClassLoader());
        try {
            server = ZooKeeperServerEmbedded.builder().baseDir(dir).configuration(p)
                    .exitHandler(ExitHandler.LOG_ONLY).build();
            server.start(10_000);
        } finally {
            t.setContextClassLoader(before);
        }
    }

    @Override
    public void close() {
        server.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
