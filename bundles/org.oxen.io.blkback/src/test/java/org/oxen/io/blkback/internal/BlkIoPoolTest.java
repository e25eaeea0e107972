package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The shared I/O pool's round robin between rings, its bound and its threads' end. */
class BlkIoPoolTest {

    /**
     * One thread, busy with ring A's first transfer while A queues four more and then ring B one:
     * B's runs after at most one more of A's, not after all of A's queue (a busy disk cannot
     * starve another). Fails with one queue for all rings in submission order (B would run last).
     */
    @Test
    void aRingWithWorkWaitsForOneTransferOfAnotherNotItsWholeQueue() throws Exception {
        BlkIoPool pool = new BlkIoPool(1);
        BlkIoPool.Queue a = pool.attach("a", 8), b = pool.attach("b", 8);
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1), all = new CountDownLatch(6);
        pool.submit(a, () -> {
            inside.countDown();
            await(release);
            ran.add("a0");
            all.countDown();
        });
        assertTrue(inside.await(30, TimeUnit.SECONDS), "the thread took a0");
        for (int i = 1; i <= 4; i++) {
            String name = "a" + i;
            pool.submit(a, () -> {
                ran.add(name);
                all.countDown();
            });
        }
        pool.submit(b, () -> {
            ran.add("b0");
            all.countDown();
        });
        release.countDown();
        assertTrue(all.await(30, TimeUnit.SECONDS), "all six ran: " + ran);
        assertEquals(List.of("a0", "a1", "b0", "a2", "a3", "a4"), ran);
        assertEquals(1, pool.alive(), "one thread");
        pool.detach(a);
        pool.detach(b);
    }

    /**
     * Threads start only while transfers wait and none is idle, never more than the pool's size,
     * and end once the last ring detaches; a ring queueing more than its depth is refused, and so
     * is one detaching with transfers queued.
     */
    @Test
    void threadsAreBoundedAndEndWithTheLastRing() throws Exception {
        BlkIoPool pool = new BlkIoPool(3);
        BlkIoPool.Queue[] qs = new BlkIoPool.Queue[6];
        for (int i = 0; i < qs.length; i++) qs[i] = pool.attach("r" + i, 4);
        CountDownLatch release = new CountDownLatch(1), done = new CountDownLatch(24);
        for (int k = 0; k < 4; k++) {
            for (BlkIoPool.Queue q : qs) {
                pool.submit(q, () -> {
                    await(release);
                    done.countDown();
                });
            }
        }
        assertEquals(3, pool.alive());
        assertThrows(IllegalStateException.class, () -> pool.submit(qs[5], () -> { }), "a fifth transfer of a depth-4 ring");
        assertThrows(IllegalStateException.class, () -> pool.detach(qs[5]), "detached with transfers queued");
        release.countDown();
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertEquals(3, pool.alive(), "idle threads stay while rings are attached");
        for (BlkIoPool.Queue q : qs) pool.detach(q);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.alive() > 0) {
            assertTrue(System.nanoTime() - end < 0, "threads left: " + pool.alive());
            Thread.sleep(1);
        }
        BlkIoPool.Queue again = pool.attach("again", 1);
        CountDownLatch ran = new CountDownLatch(1);
        pool.submit(again, ran::countDown);
        assertTrue(ran.await(30, TimeUnit.SECONDS), "a new ring starts a thread again");
        pool.detach(again);
    }

    static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
