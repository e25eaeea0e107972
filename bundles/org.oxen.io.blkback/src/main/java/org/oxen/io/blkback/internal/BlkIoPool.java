package org.oxen.io.blkback.internal;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The I/O threads of one blkback instance, shared by every ring it serves: a ring's service
 * thread hands each read or write it takes to this pool ({@link #submit}), and one of a bounded
 * number of threads does the image transfer and answers the request (the task's own code). Linux's
 * blkback submits bios to the block layer, which a few kernel threads and the disk's queue serve
 * for all rings; QEMU's thread pool (util/thread-pool.c) serves every drive's AIO likewise. So
 * 16 busy disks cost {@link #size} I/O threads, not 8 each.
 *
 * <p><b>Fairness.</b> Each ring has its own {@link Queue} of transfers waiting for a thread (fixed
 * capacity: the ring's queue depth, so nothing is allocated per request), and the rings with
 * transfers waiting form a round-robin run queue: a free thread takes one transfer from the ring at
 * the head and puts that ring at the tail if it has more. A ring with work waits for at most one
 * transfer of each other ring with work before it gets a thread, however many the others have
 * queued: a busy disk cannot starve another. Within a ring, transfers start in submission order
 * (the ring's own ordering rules, drains and overlap waits, are its service thread's: it submits
 * only what may run beside what is in flight).
 *
 * <p><b>Threads.</b> Started at need (a transfer waiting and no thread idle, fewer than
 * {@link #size} alive), they stay while any ring is {@link #attach attached} and end once the last
 * one is {@link #detach detached} with nothing waiting (a stopped or updated bundle leaves no
 * thread behind; the next connection starts them again). Named {@code blkback io<N>}.
 *
 * <p>Design/Locking: the run queue, every ring's queue, the idle threads and the counts are
 * guarded by {@link #lock}, held only to queue or take a transfer, never during one. An idle
 * thread parks on its own volatile {@code idle} flag, pushed on the {@link #idle} stack; a
 * submitter pops one, clears its flag under the lock and unparks it after letting the lock go.
 * Neither {@link #submit} nor a thread's turn allocates.
 */
final class BlkIoPool {

    /**
     * Default pool size for rings of queue depth {@code depth}: two threads per core (a transfer
     * mostly waits for the disk), and at least one ring's depth, so a single busy disk still has
     * all its requests at the disk at once, as with a thread per slot; at least 2.
     */
    static int defaultSize(int depth) {
        return Math.max(2, Math.max(depth, 2 * Runtime.getRuntime().availableProcessors()));
    }

    /** One ring's transfers waiting for a thread, in submission order. */
    static final class Queue {
        private final String ring;
        private final Runnable[] items;
        private int head, count;
        /** In the run queue (guarded by the pool's lock). */
        private boolean queued;
        private Queue next;
        private boolean attached = true;

        private Queue(String ring, int capacity) {
            this.ring = ring;
            this.items = new Runnable[capacity];
        }

        private void add(Runnable task) {
            if (count == items.length) {
                throw new IllegalStateException("blkback " + ring + ": more than " + items.length
                        + " transfers queued (its queue depth)");
            }
            items[(head + count++) % items.length] = task;
        }

        private Runnable poll() {
            Runnable t = items[head];
            items[head] = null;
            head = (head + 1) % items.length;
            count--;
            return t;
        }
    }

    private final int size;
    private final ReentrantLock lock = new ReentrantLock();
    /** Rings with transfers waiting, round robin: taken at {@link #first}, put back at {@link #last}. */
    private Queue first, last;
    private final Worker[] idle;
    private int idleCount;
    /** Threads alive; rings attached; threads started so far (their names). */
    private int alive, attached, started;

    /** @param size the most threads at once (at least 1) */
    BlkIoPool(int size) {
        if (size < 1) throw new IllegalArgumentException("blkback I/O pool of " + size + " threads (at least 1)");
        this.size = size;
        this.idle = new Worker[size];
    }

    int size() {
        return size;
    }

    /** A queue for ring {@code ring} that holds up to {@code depth} transfers (its queue depth). */
    Queue attach(String ring, int depth) {
        lock.lock();
        try {
            attached++;
            return new Queue(ring, depth);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The ring of {@code q} submits nothing more (its transfers all done); the last one detached
     * ends the threads.
     */
    void detach(Queue q) {
        lock.lock();
        try {
            if (!q.attached) return;
            if (q.count != 0) throw new IllegalStateException("blkback " + q.ring + ": detached with " + q.count + " transfers queued");
            q.attached = false;
            if (--attached == 0) {
                while (idleCount > 0) {
                    Worker w = idle[--idleCount];
                    idle[idleCount] = null;
                    w.idle = false;
                    LockSupport.unpark(w.thread);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues {@code task} (a transfer and its answer) of {@code q}'s ring for a thread. */
    void submit(Queue q, Runnable task) {
        Thread wake = null;
        lock.lock();
        try {
            if (!q.attached) throw new IllegalStateException("blkback " + q.ring + ": submitted after detach");
            q.add(task);
            if (!q.queued) append(q);
            if (idleCount > 0) {
                Worker w = idle[--idleCount];
                idle[idleCount] = null;
                w.idle = false;
                wake = w.thread;
            } else if (alive < size) {
                Worker w = new Worker();
                w.thread = new Thread(w, "blkback io" + started++);
                w.thread.setDaemon(true);
                alive++;
                w.thread.start();
            }
        } finally {
            lock.unlock();
        }
        if (wake != null) LockSupport.unpark(wake);
    }

    /** Threads alive now (tests). */
    int alive() {
        lock.lock();
        try {
            return alive;
        } finally {
            lock.unlock();
        }
    }

    private void append(Queue q) {
        q.queued = true;
        q.next = null;
        if (last == null) first = q;
        else last.next = q;
        last = q;
    }

    /** The next transfer, round robin over the rings; null if none. Holds the lock. */
    private Runnable take() {
        Queue q = first;
        if (q == null) return null;
        first = q.next;
        if (first == null) last = null;
        q.next = null;
        q.queued = false;
        Runnable t = q.poll();
        if (q.count > 0) append(q);
        return t;
    }

    /** One of the pool's threads: transfers while there are any, parks while rings are attached. */
    private final class Worker implements Runnable {
        volatile boolean idle;
        Thread thread;

        @Override
        public void run() {
            lock.lock();
            try {
                for (;;) {
                    Runnable t = take();
                    if (t != null) {
                        lock.unlock();
                        try {
                            t.run();
                        } finally {
                            lock.lock();
                        }
                        continue;
                    }
                    if (attached == 0) return;
                    idle = true;
                    BlkIoPool.this.idle[idleCount++] = this;
                    lock.unlock();
                    try {
                        while (idle) LockSupport.park(this);
                    } finally {
                        lock.lock();
                    }
                }
            } finally {
                alive--;
                lock.unlock();
            }
        }
    }
}
