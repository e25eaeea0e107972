package org.oxen.pool.internal.xl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.pool.internal.FakeHostAccess;
import org.oxen.pool.internal.PoolMember;
import org.oxen.pool.internal.PoolSettings;
import org.oxen.toolstack.xl.TopTable;

/**
 * Benchmark, not a test (runs only with {@code -Doxen.bench=true}; figures in
 * docs/PERFORMANCE.md): pool-wide {@code xl list} with 3 hosts of 100 domains each on a real
 * ZooKeeper, from the member's cache (what {@code xl list} does) beside a fresh read of every
 * host node from ZooKeeper (what it would cost without the cache), and the pool's {@code xl top}
 * table made of this host's fresh table and the others' published rows ({@link PoolTopView}).
 *
 * <pre>mvn -B -o verify -pl bundles/org.oxen.pool -Dtest=PoolListBenchmark -Doxen.bench=true</pre>
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class PoolListBenchmark {

    @Test
    void poolListOf300DomainsOn3Hosts() throws Exception {
        try (TestingServer zk = new TestingServer(true)) {
            List<PoolMember> members = new ArrayList<>();
            try {
                for (String h : List.of("b1", "b2", "b3")) {
                    PoolMember m = new PoolMember(new PoolSettings("bench", zk.getConnectString(), -1, h, "s", 6000),
                            FakeHostAccess.withDomains(h, 100), System.err);
                    m.start();
                    members.add(m);
                }
                PoolMember m = members.get(0);
                long deadline = System.currentTimeMillis() + 20_000;
                while (PoolListCommand.table(m, Set.of()).size() < 303
                        || m.hosts().values().stream().mapToInt(h -> h.topRows().size()).sum() < 300) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new AssertionError("the hosts did not publish 300 domains");
                    }
                    Thread.sleep(50);
                }
                int rounds = 2000;
                for (int warm = 0; warm < 2; warm++) {
                    long t0 = System.nanoTime();
                    int rows = 0;
                    for (int i = 0; i < rounds; i++) {
                        rows += PoolListCommand.table(m, Set.of()).size();
                    }
                    long cached = (System.nanoTime() - t0) / rounds;
                    t0 = System.nanoTime();
                    int fresh = 0;
                    for (int i = 0; i < rounds / 10; i++) {
                        for (String h : m.client().getChildren().forPath(m.paths().hosts())) {
                            fresh += m.client().getData().forPath(m.paths().host(h)).length;
                        }
                    }
                    long zkRead = (System.nanoTime() - t0) / (rounds / 10);
                    PoolTopView view = new PoolTopView(m);
                    TopTable own = new TopTable(List.of("xl top"), "      NAME  STATE", m.hosts().get("b1").topRows());
                    t0 = System.nanoTime();
                    int topRows = 0;
                    for (int i = 0; i < rounds; i++) {
                        topRows += view.view(own).rows().size();
                    }
                    long top = (System.nanoTime() - t0) / rounds;
                    System.out.printf("pool xl list, 3 hosts x 100 domains (%d rows): %.1f us from the cache;"
                            + " %.1f us to read the 3 host nodes from ZooKeeper (%d bytes)%n", rows / rounds,
                            cached / 1000.0, zkRead / 1000.0, fresh / (rounds / 10));
                    System.out.printf("pool xl top table, 3 hosts x 100 domains (%d rows): %.1f us (beside the host's"
                            + " own sampling window, 1 s for the first table)%n", topRows / rounds, top / 1000.0);
                }
            } finally {
                members.forEach(PoolMember::close);
            }
        }
    }
}
