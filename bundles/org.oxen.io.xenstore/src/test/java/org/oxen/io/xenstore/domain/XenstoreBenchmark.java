package org.oxen.io.xenstore.domain;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

/**
 * xenstore operations per second (not a test: no timed assertions): the kit's xenstore program
 * reading and writing one node of its own over its store ring (each operation a request, an
 * event to xenstored, a reply, an event back), beside a Java Domain-0 client doing the same
 * operations on the same store in the same run. Run with {@code mvn -o test -pl
 * bundles/org.oxen.io.xenstore -Dtest=XenstoreBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Doxen.bench.ops=N}, default 20,000).
 * Prints the rows of docs/PERFORMANCE.md ("xenstore").
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class XenstoreBenchmark {

    @Test
    void guestAndJavaOperationsPerSecond() throws Exception {
        int n = Integer.getInteger("oxen.bench.ops", 20_000);
        Vmm vmm = new Vmm(64L << 20, 2);
        XenstoreComponent xenstored = new XenstoreComponent(vmm.eventChannels());
        vmm.addIntroducer(xenstored);
        try (XenstoreClient dom0 = xenstored.connect()) {
            for (int round = 0; round < 3; round++) {
                Domain d = vmm.create(DomainConfig.builder("bench" + round)
                        .kernel(GuestImages.load(GuestImages.Flavor.PV, "xenstore")).memoryMiB(8)
                        .cmdline("bench=" + n).build());
                if (!d.awaitShutdown(600, TimeUnit.SECONDS) || !d.consoleOutput().contains("RESULT: PASS")) {
                    throw new AssertionError(d.consoleOutput());
                }
                String guest = d.consoleOutput().lines().filter(l -> l.contains("xenstore: bench")).findFirst()
                        .orElseThrow();
                vmm.destroy(d.id());

                String path = "/local/domain/0/bench";
                dom0.write(path, "x");
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Optional<String> v = dom0.read(path);
                    if (v.isEmpty()) throw new AssertionError("read " + i);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    dom0.write(path, "x");
                }
                long t2 = System.nanoTime();
                System.out.printf("| round %d | guest over its ring: %s | Java Dom0 client: %d reads %.0f ops/s, "
                        + "%d writes %.0f ops/s |%n", round, guest.substring(guest.indexOf("bench") + 6), n,
                        n * 1e9 / (t1 - t0), n, n * 1e9 / (t2 - t1));
            }
        } finally {
            vmm.shutdown();
            xenstored.deactivate();
        }
    }
}
