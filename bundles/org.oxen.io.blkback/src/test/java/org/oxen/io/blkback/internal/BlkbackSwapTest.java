package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.RSP_OKAY;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.qcow2.Qcow2ImageProvider;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;

/**
 * Backend hot-swap under I/O, in the style of Felix SCR's ServiceBindGreedyTest: eight domains,
 * each with a Java frontend writing and reading back its disk without pause, while the vbd
 * backend is stopped and started (its factory leaves and returns), updated (a new instance
 * replaces it) and swapped (a better-ranked backend takes the devices, then leaves) 20 times,
 * through xenbus exactly as DS drives it when the bundle goes and comes. At every step each
 * domain is running and every frontend reconnects and makes progress; at the end every block
 * reads back as last written (nothing lost, no old write replayed over a newer one), the
 * frontends took exactly as many responses as the backends gave (counted on both sides), and
 * no response came for a request not in flight.
 */
class BlkbackSwapTest {

    static final int DOMAINS = 8;
    static final int BLOCKS = 128; // 512 KiB disks of 4 KiB blocks
    static final int SWAPS = 20;

    @TempDir
    Path dir;

    static byte[] content(int dom, int block, int gen) {
        byte[] b = new byte[4096];
        new Random((long) dom << 40 ^ (long) block << 20 ^ gen).nextBytes(b);
        return b;
    }

    /** Writes four distinct blocks at a time, then reads them back and checks them. */
    static final class Worker implements Runnable {
        final int dom;
        final JavaBlkfront fe;
        final int[] gen = new int[BLOCKS];
        final AtomicLong rounds = new AtomicLong();
        volatile boolean stop;
        volatile Throwable failure;

        Worker(int dom, JavaBlkfront fe) {
            this.dom = dom;
            this.fe = fe;
        }

        @Override
        public void run() {
            try {
                JavaBlkfront.Request[] rs = new JavaBlkfront.Request[4];
                byte[][] got = new byte[4][4096];
                for (long r = 0; !stop; r++) {
                    for (int k = 0; k < 4; k++) {
                        int block = (int) ((r * 4 + k) % BLOCKS);
                        byte[] data = content(dom, block, ++gen[block]);
                        rs[k] = fe.write(block * 8L, data, 0, data.length);
                    }
                    for (JavaBlkfront.Request q : rs) assertEquals(RSP_OKAY, q.await(60, TimeUnit.SECONDS), q.toString());
                    for (int k = 0; k < 4; k++) rs[k] = fe.read(((r * 4 + k) % BLOCKS) * 8L, got[k], 0, 4096);
                    for (int k = 0; k < 4; k++) {
                        assertEquals(RSP_OKAY, rs[k].await(60, TimeUnit.SECONDS), rs[k].toString());
                        int block = (int) ((r * 4 + k) % BLOCKS);
                        assertArrayEquals(content(dom, block, gen[block]), got[k], "d" + dom + " block " + block);
                    }
                    rounds.incrementAndGet();
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    static void await(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out: " + what);
            Thread.sleep(2);
        }
    }

    static BlkbackComponent backend() {
        BlkbackComponent c = new BlkbackComponent();
        RawImageProvider raw = new RawImageProvider();
        c.addProvider(raw);
        c.addProvider(new Qcow2ImageProvider(raw));
        return c;
    }

    @Test
    void eightDomainsDoVerifiedIoWhileTheBackendIsStoppedUpdatedAndSwapped20Times() throws Exception {
        try (BlkRig rig = new BlkRig(160)) {
            List<BlkbackComponent> all = new ArrayList<>();
            BlkbackComponent current = backend();
            all.add(current);
            long serviceId = 1;
            rig.addFactory(current, serviceId++, 0);
            List<Domain> domains = new ArrayList<>();
            List<Worker> workers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < DOMAINS; i++) {
                Path img = dir.resolve("d" + i + (i % 2 == 0 ? ".img" : ".qcow2"));
                if (i % 2 == 0) new RawImageProvider().create(img, ImageSpec.ofSize(BLOCKS * 4096L)).close();
                else new Qcow2ImageProvider().create(img, ImageSpec.ofSize(BLOCKS * 4096L)).close();
                Domain d = rig.guest("swap" + i);
                domains.add(d);
                JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51712, "xvda", i % 2 == 0 ? "raw" : "qcow2",
                        img.toString(), false, false), new JavaBlkfront.Options(i % 3, i % 2 == 0, true, 8, 4));
                assertTrue(fe.awaitConnected(30_000), "d" + d.id() + " connected");
                Worker w = new Worker(i, fe);
                workers.add(w);
                Thread t = new Thread(w, "io d" + d.id());
                threads.add(t);
                t.start();
            }

            for (int swap = 0; swap < SWAPS; swap++) {
                long[] before = workers.stream().mapToLong(w -> w.rounds.get()).toArray();
                await(() -> {
                    for (int i = 0; i < DOMAINS; i++) if (workers.get(i).rounds.get() < before[i] + 2) return false;
                    return true;
                }, "every domain's I/O progressing before swap " + swap);
                switch (swap % 3) {
                    case 0 -> { // stop, then start: the factory leaves and returns
                        rig.xenbus.removeFactory(current);
                        await(() -> workers.stream().noneMatch(w -> w.fe.isConnected()), "all disconnected");
                        Thread.sleep(20);
                        rig.addFactory(current, serviceId++, 0);
                    }
                    case 1 -> { // update: a new instance replaces the old one
                        rig.xenbus.removeFactory(current);
                        current = backend();
                        all.add(current);
                        rig.addFactory(current, serviceId++, 0);
                    }
                    default -> { // swap: a better-ranked backend takes over, then leaves
                        BlkbackComponent better = backend();
                        all.add(better);
                        rig.addFactory(better, serviceId++, 10);
                        await(() -> !better.devices().isEmpty() && better.devices().stream().allMatch(v -> v.connected()),
                                "the better backend serving every disk");
                        rig.xenbus.removeFactory(better);
                    }
                }
                for (Domain d : domains) {
                    DomainState s = d.state();
                    assertTrue(s == DomainState.RUNNING || s == DomainState.BLOCKED, d.name() + " runs at swap " + swap + ": " + s);
                }
                for (Worker w : workers) {
                    assertTrue(w.failure == null, "d" + w.dom + ": " + w.failure);
                }
            }
            long[] before = workers.stream().mapToLong(w -> w.rounds.get()).toArray();
            await(() -> {
                for (int i = 0; i < DOMAINS; i++) if (workers.get(i).rounds.get() < before[i] + 2) return false;
                return true;
            }, "I/O after the last swap");
            for (Worker w : workers) w.stop = true;
            for (Thread t : threads) t.join(60_000);

            long completed = 0, resubmitted = 0;
            for (Worker w : workers) {
                if (w.failure != null) throw new AssertionError("d" + w.dom, w.failure);
                // every block reads back as last written
                byte[] got = new byte[4096];
                for (int b = 0; b < BLOCKS; b++) {
                    assertEquals(RSP_OKAY, w.fe.read(b * 8L, got, 0, 4096).await(60, TimeUnit.SECONDS));
                    assertArrayEquals(content(w.dom, b, w.gen[b]), got, "d" + w.dom + " block " + b + " at the end");
                }
                assertEquals(0, w.fe.unexpectedResponses(), "responses to requests not in flight");
                assertTrue(w.fe.connections() >= SWAPS + 1, "d" + w.dom + " reconnected at every swap: " + w.fe.connections());
                completed += w.fe.completed();
                resubmitted += w.fe.resubmitted();
            }
            long answered = all.stream().mapToLong(BlkbackComponent::answered).sum();
            assertEquals(completed, answered, "responses the frontends took = responses the backends gave");
            System.out.printf("blkback swap: %d swaps, %d domains, %d requests answered, %d resubmitted after reconnects%n",
                    SWAPS, DOMAINS, answered, resubmitted);
            assertEquals(0, rig.vmm.internalErrors());
        }
    }
}
