package org.oxen.pool.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.pool.internal.PoolTestSupport.await;
import static org.oxen.pool.internal.PoolTestSupport.record;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * The fencing rule (PoolMember's Design): a host out of touch with ZooKeeper pauses its pool
 * domains before its session can expire; when the session is lost it destroys the restartable
 * ones (the master restarts those elsewhere) and keeps the others paused; back in touch, what
 * is still placed on it goes on (and what it destroyed is created again when still placed on it).
 */
class FencingTest {

    @Test
    void aHostOutOfTouchPausesThenDestroysItsRestartableDomainsAndGoesOnWhenBack() throws Exception {
        PoolTestSupport.Log log = new PoolTestSupport.Log();
        try (TestingServer zk = new TestingServer(true)) {
            FakeHost h = new FakeHost("f1", 256);
            PoolMember m = new PoolMember(new PoolSettings("fence", zk.getConnectString(), -1, "f1", null, 3000), h,
                    log.stream);
            try {
                m.start();
                assertTrue(m.createDomain(record("restartable", "f1", true, "")));
                assertTrue(m.createDomain(record("plain", "f1", false, "")));
                await("both run", 5000, () -> h.runs("restartable") && h.runs("plain"));
                h.domains.put("outside", false); // a domain of this host that is no pool domain

                zk.stop();
                // Disconnected comes within 2/3 of the session timeout; the ensemble could expire the
                // session only after all of it: both are paused by then (bound: the session timeout)
                await("both paused within the session timeout", 3000, () -> h.paused("restartable") && h.paused("plain"));
                await("said so", 1000, () -> log.text().contains("f1 lost touch with ZooKeeper: 2 pool domain(s) paused"));
                assertTrue(h.runs("outside"), "a domain outside the pool is not the pool's to fence");

                await("the session is lost: the restartable one destroyed, the other kept paused", 20_000,
                        () -> log.text().contains("1 restartable pool domain(s) destroyed"));
                assertFalse(h.domains.containsKey("restartable"));
                assertTrue(h.paused("plain"));

                zk.restart();
                await("back: plain goes on, restartable is created again (still placed here)", 20_000,
                        () -> h.runs("plain") && h.runs("restartable"));
                assertFalse(h.paused("plain"));
                // the member logs its new session on its own thread, possibly after the domains run
                await("said it joined again", 5000, () -> log.text().contains("f1 joined again with a new session"));
            } finally {
                m.close();
            }
        }
    }
}
