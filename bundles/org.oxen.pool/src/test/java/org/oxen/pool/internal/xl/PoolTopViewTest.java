package org.oxen.pool.internal.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.oxen.pool.internal.FakeHostAccess;
import org.oxen.pool.internal.PoolMember;
import org.oxen.pool.internal.PoolSettings;
import org.oxen.toolstack.xl.TopTable;

/**
 * {@code xl top} over a pool (real ZooKeeper, fake hypervisors): this host's freshly sampled
 * table and the other hosts' published rows, each with its host in a HOST column after the name,
 * and a summary of the pool's hosts, domains by state, memory and pCPUs.
 */
class PoolTopViewTest {

    private static final String HEADER = "      NAME  STATE   CPU(sec) CPU(%)     MEM(k)";

    @Test
    void everyHostsRowsWithAHostColumnAndThisHostsFreshTable() throws Exception {
        try (TestingServer zk = new TestingServer(true)) {
            List<PoolMember> members = new ArrayList<>();
            try {
                for (String h : List.of("t1", "t2")) {
                    PoolMember m = new PoolMember(new PoolSettings("top", zk.getConnectString(), -1, h, "s", 6000),
                            FakeHostAccess.withDomains(h, 2), System.err);
                    m.start();
                    members.add(m);
                }
                PoolMember t1 = members.get(0);
                long deadline = System.currentTimeMillis() + 10_000;
                while (t1.hosts().size() < 2 || t1.hosts().get("t2").topRows().size() < 2) {
                    assertTrue(System.currentTimeMillis() < deadline, "t2 never published its top rows: " + t1.hosts());
                    Thread.sleep(25);
                }
                // what xl top has just sampled on t1: its own rows, not those t1 published
                TopTable fresh = new TopTable(List.of("xl top - 12:00:00   Xen 3.4-oxen", "ignored", "ignored"), HEADER,
                        List.of("  Domain-0 -----r          9   50.0     524288", "     t1-d0 ----p-          1    0.0"
                                + "      16384"));
                TopTable shown = new PoolTopView(t1).view(fresh);
                assertEquals("      NAME HOST        STATE   CPU(sec) CPU(%)     MEM(k)", shown.header());
                assertEquals(List.of("  Domain-0 t1         -----r          9   50.0     524288",
                        "     t1-d0 t1         ----p-          1    0.0      16384",
                        "     t2-d0 t2         -----r          3   12.5      16384",
                        "     t2-d1 t2         -----r          3   12.5      16384"), shown.rows());
                assertEquals("xl top - 12:00:00   Xen 3.4-oxen", shown.summary().get(0));
                String master = t1.masterName().orElseThrow();
                assertEquals("pool top: 2 hosts (master " + master + "); 4 domains: 3 running, 0 blocked, 1 paused,"
                        + " 0 crashed, 0 dying, 0 shutdown", shown.summary().get(1));
                long totalKiB = 2 * (16L * 2 + 1024) * 1024;
                long freeKiB = 2 * 1024 * 1024;
                assertEquals("Mem: " + totalKiB + "k total, " + (totalKiB - freeKiB) + "k used, " + freeKiB
                        + "k free    CPUs: 4", shown.summary().get(2));
            } finally {
                members.forEach(PoolMember::close);
            }
        }
    }
}
