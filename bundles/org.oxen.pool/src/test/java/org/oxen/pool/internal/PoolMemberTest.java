package org.oxen.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.pool.internal.PoolTestSupport.await;
import static org.oxen.pool.internal.PoolTestSupport.record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.pool.internal.PoolMember.PoolException;

/**
 * Membership, placement, migration, failover and refusals of {@link PoolMember} against a real
 * ZooKeeper (curator-test's TestingServer), with {@link FakeHost}s for the hypervisors.
 */
class PoolMemberTest {

    private TestingServer zk;
    private final List<PoolMember> members = new ArrayList<>();
    private final PoolTestSupport.Log log = new PoolTestSupport.Log();

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
    }

    @AfterEach
    void stop() throws Exception {
        members.forEach(PoolMember::close);
        zk.close();
    }

    private PoolMember join(String pool, String host, String secret, FakeHost local) throws PoolException {
        PoolSettings s = new PoolSettings(pool, zk.getConnectString(), -1, host, secret, 3000);
        PoolMember m = new PoolMember(s, local, log.stream);
        m.start();
        members.add(m);
        return m;
    }

    @Test
    void domainsPlacedThroughOneHostRunOnAnotherAndEveryHostSeesThem() throws Exception {
        FakeHost a = new FakeHost("a1", 256);
        FakeHost b = new FakeHost("b1", 256);
        PoolMember ma = join("p1", "a1", "s3cret", a);
        PoolMember mb = join("p1", "b1", "s3cret", b);
        await("both hosts seen by both", 5000, () -> ma.hosts().size() == 2 && mb.hosts().size() == 2);
        assertTrue(ma.createDomain(record("d1", "b1", false, "name='d1'")));
        await("d1 runs on b1", 5000, () -> b.runs("d1"));
        assertFalse(a.domains.containsKey("d1"), "a1 must not run b1's domain");
        await("a1 lists d1 on b1", 5000, () -> ma.hosts().get("b1").domainNames().contains("d1"));
        assertFalse(ma.createDomain(record("d1", "a1", false, "")), "a name is taken once in the pool");
        // placement: most room (a1 has 256, b1 240 free), then counting what is placed but not running yet
        assertEquals("a1", ma.choosePlacement(16).orElseThrow());
        assertTrue(ma.masterName().isPresent());
    }

    @Test
    void aRecordAsksItsHostToMigrateAndTheRecordFollows() throws Exception {
        FakeHost a = new FakeHost("a2", 256);
        FakeHost b = new FakeHost("b2", 256);
        PoolMember ma = join("p2", "a2", null, a);
        join("p2", "b2", null, b);
        assertTrue(ma.createDomain(record("m1", "a2", false, "")));
        await("m1 runs on a2", 5000, () -> a.runs("m1"));
        await("b2 joined", 5000, () -> ma.hosts().containsKey("b2"));
        ma.requestMigration("m1", "b2", true);
        await("m1 on b2 and its record says so", 5000, () -> b.runs("m1")
                && ma.readDomainQuietly("m1").host().equals("b2"));
        assertFalse(a.domains.containsKey("m1"));
        assertEquals("live to fake-b2:8002", ma.readDomainQuietly("m1").moved());
        // it stays: neither host re-creates or deletes it
        Thread.sleep(1500);
        assertTrue(b.runs("m1"));
        assertEquals(List.of("m1"), a.created, "a2 created it once, b2 never");
        assertTrue(b.created.isEmpty());
    }

    @Test
    void aHostGoesOnWhileItMigratesAndNeverForgetsTheDomainItIsMoving() throws Exception {
        FakeHost a = new FakeHost("a9", 256);
        FakeHost b = new FakeHost("b9", 256);
        PoolMember ma = join("p9", "a9", null, a);
        join("p9", "b9", null, b);
        assertTrue(ma.createDomain(record("slow", "a9", false, "")));
        await("slow runs on a9", 5000, () -> a.runs("slow"));
        await("b9 joined", 5000, () -> ma.hosts().containsKey("b9"));
        a.migrationMillis = 2500;
        ma.requestMigration("slow", "b9", true);
        await("slow has left a9", 5000, () -> !a.domains.containsKey("slow"));
        // meanwhile a9's worker creates what is placed on it and keeps the moving domain's record
        assertTrue(ma.createDomain(record("meanwhile", "a9", false, "")));
        await("meanwhile runs on a9 while slow moves", 2000, () -> a.runs("meanwhile"));
        assertTrue(!b.domains.containsKey("slow") && ma.readDomainQuietly("slow") != null,
                "the record of a domain on its way stays: " + log.text());
        await("slow on b9 and its record says so", 5000, () -> b.runs("slow")
                && "b9".equals(ma.readDomainQuietly("slow").host()));
        Thread.sleep(1500);
        assertTrue(b.runs("slow") && !a.domains.containsKey("slow"), "it runs once, on b9");
    }

    @Test
    void aDeadHostsRestartableDomainsRunElsewhereOnceTheOthersAreLost() throws Exception {
        FakeHost a = new FakeHost("a3", 256);
        FakeHost b = new FakeHost("b3", 256);
        FakeHost c = new FakeHost("c3", 256);
        PoolMember ma = join("p3", "a3", null, a);
        join("p3", "b3", null, b);
        PoolMember mc = join("p3", "c3", null, c);
        assertTrue(ma.createDomain(record("ha1", "c3", true, "")));
        assertTrue(ma.createDomain(record("ha2", "c3", true, "")));
        assertTrue(ma.createDomain(record("plain", "c3", false, "")));
        await("c3 runs all three", 5000, () -> c.runs("ha1") && c.runs("ha2") && c.runs("plain"));
        mc.close(); // its session ends: its host node goes
        members.remove(mc);
        c.domains.clear(); // the runtime is gone with its domains
        await("ha1 and ha2 run on a3 or b3", 10_000, () -> (a.runs("ha1") || b.runs("ha1"))
                && (a.runs("ha2") || b.runs("ha2")));
        assertFalse(a.runs("ha1") && b.runs("ha1"), "ha1 runs twice");
        assertFalse(a.runs("ha2") && b.runs("ha2"), "ha2 runs twice");
        assertTrue(a.runs("ha1") != a.runs("ha2"), "the two are spread by room: " + a.domains + " " + b.domains);
        await("plain is lost", 5000, () -> ma.readDomainQuietly("plain").state().equals(DomainRecord.LOST));
        assertFalse(a.domains.containsKey("plain") || b.domains.containsKey("plain"));
        assertTrue(log.text().contains("host c3 is gone: plain is lost (not restartable)"), log.text());
    }

    @Test
    void aHostThatLeavesDestroysItsRestartableDomainsSoTheyRunOnceAndTakesItsOthersBack() throws Exception {
        FakeHost a = new FakeHost("a8", 256);
        FakeHost b = new FakeHost("b8", 256);
        PoolMember ma = join("p8", "a8", null, a);
        PoolMember mb = join("p8", "b8", null, b);
        assertTrue(ma.createDomain(record("r8", "b8", true, "")));
        assertTrue(ma.createDomain(record("k8", "b8", false, "")));
        await("b8 runs both", 5000, () -> b.runs("r8") && b.runs("k8"));
        mb.close(); // the pool bundle stopped or updated: the runtime and its domains go on
        members.remove(mb);
        assertFalse(b.domains.containsKey("r8"), "restartable: destroyed here before the master restarts it");
        await("r8 runs on a8, k8 lost", 10_000, () -> a.runs("r8")
                && ma.readDomainQuietly("k8").state().equals(DomainRecord.LOST));
        assertTrue(b.runs("k8"), "not restartable: it goes on here");
        join("p8", "b8", null, b); // the bundle back
        await("k8 placed again on b8", 10_000, () -> ma.readDomainQuietly("k8").state().equals(DomainRecord.PLACED));
        assertTrue(b.runs("k8"));
        assertFalse(b.domains.containsKey("r8"));
        assertTrue(a.runs("r8"));
    }

    @Test
    void aRestartableDomainNoHostHasRoomForIsReportedAndPlacedWhenAHostJoins() throws Exception {
        FakeHost a = new FakeHost("a4", 16); // room for one
        FakeHost c = new FakeHost("c4", 256);
        PoolMember ma = join("p4", "a4", null, a);
        PoolMember mc = join("p4", "c4", null, c);
        assertTrue(ma.createDomain(record("big1", "c4", true, "")));
        assertTrue(ma.createDomain(record("big2", "c4", true, "")));
        await("c4 runs both", 5000, () -> c.runs("big1") && c.runs("big2"));
        mc.close();
        members.remove(mc);
        c.domains.clear();
        await("one restarted on a4, the other lost", 10_000, () -> a.domains.size() == 1
                && ma.domains().stream().anyMatch(d -> d.state().equals(DomainRecord.LOST)));
        assertTrue(log.text().contains("no host has room for 16 MiB"), log.text());
        FakeHost d = new FakeHost("d4", 256);
        join("p4", "d4", null, d);
        await("the lost one runs on d4", 10_000, () -> d.domains.size() == 1);
    }

    @Test
    void refusedWrongSecretNoSecretOpenPoolWithSecretAndATakenHostName() throws Exception {
        join("p5", "a5", "right", new FakeHost("a5", 64));
        PoolException wrong = assertThrows(PoolException.class, () -> join("p5", "b5", "wrong", new FakeHost("b5", 64)));
        assertTrue(wrong.getMessage().contains("pool p5 refused this runtime: wrong pool secret"), wrong.getMessage());
        PoolException none = assertThrows(PoolException.class, () -> join("p5", "b5", null, new FakeHost("b5", 64)));
        assertTrue(none.getMessage().contains("has no oxen.pool.secret"), none.getMessage());
        PoolException taken = assertThrows(PoolException.class, () -> join("p5", "a5", "right", new FakeHost("a5", 64)));
        assertTrue(taken.getMessage().contains("the host name a5 is taken"), taken.getMessage());
        join("p6", "a6", null, new FakeHost("a6", 64));
        PoolException open = assertThrows(PoolException.class, () -> join("p6", "b6", "s", new FakeHost("b6", 64)));
        assertTrue(open.getMessage().contains("the pool is open"), open.getMessage());
        // a refused runtime left nothing: p5 has one host, p6 one
        assertEquals(Set.of("a5"), members.get(0).hosts().keySet());
        assertEquals(Set.of("a6"), members.get(1).hosts().keySet());
        // and another pool's hosts are not this pool's
        assertFalse(members.get(0).hosts().containsKey("a6"));
    }

    @Test
    void aCorruptDomainNodeIsRefusedByNameAndNothingIsCreated() throws Exception {
        FakeHost a = new FakeHost("a7", 256);
        PoolMember ma = join("p7", "a7", "k", a);
        try (CuratorFramework raw = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
                .retryPolicy(new RetryOneTime(100)).authorization("digest", "oxen:k".getBytes(StandardCharsets.UTF_8))
                .build()) {
            raw.start();
            raw.create().forPath("/oxen/pools/p7/domains/junk", "record=domain/1\nhost=a7\nname=junk\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            raw.create().forPath("/oxen/pools/p7/domains/bytes", new byte[] {1, 2, 3});
        }
        assertTrue(ma.createDomain(record("bad", "a7", false, "refuse me")));
        await("all three refused", 5000, () -> log.text().contains("domains/junk is corrupt: it has no state")
                && log.text().contains("domains/bytes is corrupt: its record line is missing")
                && log.text().contains("bad refused on a7: pool:bad:1:1: refused by the fake toolstack; nothing created"));
        await("bad is marked failed", 5000, () -> ma.readDomainQuietly("bad").state().equals(DomainRecord.FAILED));
        Thread.sleep(1200);
        assertTrue(a.domains.isEmpty(), "nothing created: " + a.domains);
        Map<String, PoolMember.DomainNode> nodes = ma.domainNodes();
        assertTrue(nodes.get("junk").corruption() != null && nodes.get("bytes").corruption() != null);
        // reported once each, not every second
        assertEquals(1, log.text().split("domains/junk is corrupt", -1).length - 1, log.text());
    }
}
