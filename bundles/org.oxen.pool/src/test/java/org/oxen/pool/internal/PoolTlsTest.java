package org.oxen.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.pool.internal.PoolTestSupport.await;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.pool.internal.PoolMember.PoolException;

/**
 * ZooKeeper over TLS: the embedded ZooKeeper serves TLS only with a certificate generated for the
 * test (keytool: a key pair for 127.0.0.1 and a trust store holding its certificate); runtimes
 * with the stores join and see each other; a runtime speaking plain TCP, and one whose trust store
 * does not hold the server's certificate, cannot join (nothing of theirs in the pool).
 */
class PoolTlsTest {

    private static final String PASSWORD = "changeit-test";

    @TempDir
    Path dir;

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool " + cmd + ":\n" + out);
    }

    /** A key store with a fresh key pair for 127.0.0.1, and a trust store holding its certificate. */
    private PoolTls stores(String name) throws Exception {
        Path ks = dir.resolve(name + "-key.p12");
        Path cert = dir.resolve(name + ".crt");
        Path ts = dir.resolve(name + "-trust.p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=" + name, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", ks.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-alias", name, "-keystore", ks.toString(), "-storepass", PASSWORD, "-file",
                cert.toString());
        keytool("-importcert", "-noprompt", "-alias", name, "-file", cert.toString(), "-keystore", ts.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        return PoolTls.from(Map.of(PoolTls.KEYSTORE, ks.toString(), PoolTls.KEYSTORE_PASSWORD, PASSWORD,
                PoolTls.TRUSTSTORE, ts.toString(), PoolTls.TRUSTSTORE_PASSWORD, PASSWORD)::get);
    }

    @Test
    void runtimesWithThePoolsCertificatesJoinOverTlsAndOthersCannot() throws Exception {
        PoolTls tls = stores("pool");
        PoolTls stranger = stores("stranger");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Set<String> systemBefore = new HashSet<>(System.getProperties().stringPropertyNames());
        PoolTestSupport.Log log = new PoolTestSupport.Log();
        List<PoolMember> members = new ArrayList<>();
        try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(port, tls)) {
            String connect = "127.0.0.1:" + port;
            for (String h : List.of("s1", "s2")) {
                PoolMember m = new PoolMember(new PoolSettings("tls", connect, -1, h, "s", 3000, tls),
                        new FakeHost(h, 256), log.stream);
                m.start();
                members.add(m);
            }
            await("both hosts seen over TLS", 10_000, () -> members.get(0).hosts().keySet().equals(Set.of("s1", "s2")));
            assertTrue(log.text().contains("s1 joined (ZooKeeper " + connect + " over TLS"), log.text());
            assertTrue(members.get(0).createDomain(PoolTestSupport.record("d1", "s2", false, "")));
            FakeHost s2 = (FakeHost) fieldLocal(members.get(1));
            await("d1 runs on s2", 10_000, () -> s2.runs("d1"));

            PoolException plain = assertThrows(PoolException.class, () -> new PoolMember(
                    new PoolSettings("tls", connect, -1, "p1", "s", 1000), new FakeHost("p1", 256), log.stream).start());
            assertEquals("pool tls: no ZooKeeper answers at " + connect, plain.getMessage());
            PoolException untrusted = assertThrows(PoolException.class, () -> new PoolMember(
                    new PoolSettings("tls", connect, -1, "u1", "s", 1000, stranger), new FakeHost("u1", 256),
                    log.stream).start());
            assertEquals("pool tls: no ZooKeeper answers at " + connect, untrusted.getMessage());
            assertEquals(Set.of("s1", "s2"), members.get(0).hosts().keySet(), "nothing of theirs in the pool");
        } finally {
            members.forEach(PoolMember::close);
            // the embedded server's settings become ZooKeeper system properties: none outlives the test
            Properties p = System.getProperties();
            p.stringPropertyNames().stream().filter(k -> !systemBefore.contains(k)).forEach(p::remove);
        }
    }

    private static LocalHost fieldLocal(PoolMember m) throws Exception {
        var f = PoolMember.class.getDeclaredField("local");
        f.setAccessible(true);
        return (LocalHost) f.get(m);
    }
}
