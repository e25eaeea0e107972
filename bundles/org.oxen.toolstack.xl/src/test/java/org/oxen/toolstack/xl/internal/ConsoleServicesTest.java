package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.ConsoleViewer;
import org.oxen.vmm.api.GuestConsole;

/** The wait of {@code xl console} and {@code xl create -c} for a new domain's console service. */
class ConsoleServicesTest {

    /** A console service of domain {@code domid} (what the console backend registers). */
    record Console(int domid) implements GuestConsole {
        @Override
        public String domainName() {
            return "d" + domid;
        }

        @Override
        public boolean isLive() {
            return true;
        }

        @Override
        public Optional<String> broken() {
            return Optional.empty();
        }

        @Override
        public byte[] log() {
            return new byte[0];
        }

        @Override
        public AutoCloseable attach(ConsoleViewer viewer) {
            return () -> { };
        }

        @Override
        public int write(byte[] input, int offset, int length) {
            return 0;
        }
    }

    @Test
    void aWaiterBlocksUntilTheDomainsConsoleIsBoundAndGetsIt() throws Exception {
        ConsoleServices consoles = new ConsoleServices();
        consoles.add(new Console(3));
        Thread[] waiter = new Thread[1];
        CompletableFuture<GuestConsole> got = CompletableFuture.supplyAsync(() -> {
            waiter[0] = Thread.currentThread();
            try {
                return consoles.await(7, 60_000, () -> false);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // the waiter sleeps in the monitor's wait (not a sleep-and-look loop) until the bind
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (waiter[0] == null || waiter[0].getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < end, "the waiter never waited");
            Thread.sleep(1);
        }
        assertTrue(!got.isDone(), "another domain's console does not end the wait");
        Console seven = new Console(7);
        consoles.add(seven);
        assertSame(seven, got.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aBoundConsoleIsReturnedAtOnceTheLatestOfItsDomain() throws Exception {
        ConsoleServices consoles = new ConsoleServices();
        Console kept = new Console(5), live = new Console(5);
        consoles.add(kept);
        consoles.add(live);
        assertSame(live, consoles.await(5, 1, () -> false));
        consoles.remove(live);
        assertSame(kept, consoles.await(5, 1, () -> false));
    }

    @Test
    void noConsoleWithinTheTimeoutOrAGoneDomainIsNull() throws Exception {
        ConsoleServices consoles = new ConsoleServices();
        assertNull(consoles.await(9, 100, () -> false), "no backend within the timeout");
        AtomicBoolean gone = new AtomicBoolean();
        CompletableFuture<GuestConsole> got = CompletableFuture.supplyAsync(() -> {
            try {
                return consoles.await(9, 600_000, gone::get);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        gone.set(true); // destroyed while its console was awaited: the wait ends at the next look
        assertNull(got.get(30, TimeUnit.SECONDS));
    }
}
