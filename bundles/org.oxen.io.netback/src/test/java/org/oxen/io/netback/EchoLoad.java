package org.oxen.io.netback;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A steady UDP echo load from one tiny IP host to another's echo port, every datagram accounted
 * for: each carries a sequence number; at most {@code window} are outstanding; an echo settles
 * its datagram, one without an echo after {@code lossNanos} is counted lost; an echo for a
 * datagram already settled is a duplicate. The longest stretch without any echo is the gap.
 */
final class EchoLoad implements AutoCloseable {

    final AtomicLong sent = new AtomicLong(), echoed = new AtomicLong(), lost = new AtomicLong(),
            duplicates = new AtomicLong();
    private final ConcurrentHashMap<Integer, Long> outstanding = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private volatile long lastEcho = System.nanoTime();
    private volatile long maxGap;
    volatile String failure;

    EchoLoad(TinyIp from, long dstMac, int dstIp, int window, long lossNanos) {
        from.onUdp(d -> {
            if (d.payload().length < 4) return;
            int seq = ByteBuffer.wrap(d.payload()).getInt(0);
            if (outstanding.remove(seq) != null) {
                echoed.incrementAndGet();
                long now = System.nanoTime();
                maxGap = Math.max(maxGap, now - lastEcho);
                lastEcho = now;
            } else {
                duplicates.incrementAndGet();
            }
        });
        thread = new Thread(() -> {
            int seq = 0;
            byte[] payload = new byte[256];
            while (!stop.get()) {
                long now = System.nanoTime();
                outstanding.entrySet().removeIf(e -> {
                    if (now - e.getValue() > lossNanos) {
                        lost.incrementAndGet();
                        return true;
                    }
                    return false;
                });
                if (outstanding.size() >= window) {
                    LockSupport.parkNanos(100_000);
                    continue;
                }
                ByteBuffer.wrap(payload).putInt(0, seq);
                outstanding.put(seq, now);
                from.sendUdp(dstMac, dstIp, 5001, TinyIp.ECHO_PORT, payload.clone());
                sent.incrementAndGet();
                seq++;
            }
        }, "echo load");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops sending and waits until every datagram is echoed or counted lost. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(10_000);
        long end = System.nanoTime() + 30_000_000_000L;
        while (!outstanding.isEmpty() && System.nanoTime() < end) {
            long now = System.nanoTime();
            outstanding.entrySet().removeIf(e -> {
                if (now - e.getValue() > 5_000_000_000L) {
                    lost.incrementAndGet();
                    return true;
                }
                return false;
            });
            Thread.sleep(5);
        }
    }

    long maxGapNanos() {
        return maxGap;
    }

    @Override
    public String toString() {
        return "sent " + sent + ", echoed " + echoed + ", lost " + lost + ", duplicates " + duplicates;
    }
}
