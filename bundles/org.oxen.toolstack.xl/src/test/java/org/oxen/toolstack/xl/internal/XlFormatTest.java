package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.toolstack.xl.cfg.LifecycleAction;
import org.oxen.toolstack.xl.cfg.PvDomainSpec;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.BackendStatistics;

/** xl's output formats, checked against lines Xen prints. */
class XlFormatTest {

    private static DomainInfo info(int id, String name, long memKiB, boolean running, boolean blocked, boolean paused,
            boolean shutdown, boolean crashed, long cpuNanos) {
        return new DomainInfo(id, name, memKiB, memKiB, running, blocked, paused, shutdown, crashed, false, cpuNanos,
                List.of(new DomainInfo.VcpuInfo(0, true, running, blocked, 1, cpuNanos)),
                shutdown ? (crashed ? ShutdownReason.CRASH : ShutdownReason.POWEROFF) : null, null);
    }

    @Test
    void listHeaderAndRowsAreXens() {
        assertEquals("Name                                        ID   Mem VCPUs\tState\tTime(s)", XlFormat.LIST_HEADER);
        assertEquals("Domain-0                                     0  1024     1     r-----      12.3",
                XlFormat.listRow(info(0, "Domain-0", 1024 * 1024, true, false, false, false, false, 12_345_000_000L)));
        assertEquals("web                                          7    64     1     -b----       0.1",
                XlFormat.listRow(info(7, "web", 64 * 1024, false, true, false, false, false, 99_000_000L)));
        assertEquals("dead                                        12    16     1     ---sc-       0.0",
                XlFormat.listRow(info(12, "dead", 16 * 1024, false, false, false, true, true, 0)));
        assertEquals("ps                                          13    16     1     --p---       0.0",
                XlFormat.listRow(info(13, "ps", 16 * 1024, false, false, true, false, false, 0)));
    }

    @Test
    void verboseListAddsUuidAndReasonCode() {
        assertEquals(" 00000000-0000-0000-0000-000000000000        3\t-", XlFormat.listVerbose(
                info(12, "dead", 16 * 1024, false, false, false, true, true, 0), DomainJson.NO_UUID));
        assertEquals(" u        -\t-", XlFormat.listVerbose(info(1, "a", 1024, true, false, false, false, false, 0), "u"));
    }

    @Test
    void vcpuListIsXens() {
        assertEquals("Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)",
                XlFormat.VCPU_HEADER);
        DomainInfo d = info(3, "web", 1024, false, true, false, false, false, 2_500_000_000L);
        assertEquals("web                                  3     0    1   -b-       2.5  all / all",
                XlFormat.vcpuRow(d, d.vcpus().get(0), "all"));
        assertEquals("web                                  3     1    -   --p       0.0  0-1,3 / all",
                XlFormat.vcpuRow(d, new DomainInfo.VcpuInfo(1, false, false, false, -1, 0), "0-1,3"));
    }

    @Test
    void uptimeIsXens() {
        assertEquals(" 0:00:05", XlFormat.uptime(5, false));
        assertEquals(" 1:01:01", XlFormat.uptime(3661, false));
        assertEquals("1 day,  0:00:00", XlFormat.uptime(86400, false));
        assertEquals("2 days,  3:04:05", XlFormat.uptime(2 * 86400 + 3 * 3600 + 4 * 60 + 5, false));
        assertEquals(" 1:01", XlFormat.uptime(3661, true));
        assertEquals("Name" + " ".repeat(32) + "ID Uptime", XlFormat.UPTIME_HEADER);
    }

    @Test
    void topRowIsXentops() {
        assertEquals("      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k)"
                + " VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT", XlFormat.TOP_HEADER);
        assertEquals("       web --b---          2   12.5      65536    6.6      65536       6.6     1    2       10        3"
                + "    2        0       10        4        200         32",
                XlFormat.topRow(info(3, "web", 65536, false, true, false, false, false, 2_500_000_000L), 12.5,
                        1_000_000, XlFormat.NetTotals.NONE.plus(vif(0, 7_300, 1_100)).plus(vif(1, 3_000, 2_000)),
                        XlFormat.VbdTotals.NONE.plus(vbd(51712, 6, 1, 120, 8)).plus(vbd(51728, 4, 3, 80, 24))));
    }

    /** A vif as netback reports it: Linux's counters of dom0's vif device (tx: to the domain). */
    private static BackendStatistics.Device vif(int devid, long txBytes, long rxBytes) {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("rx_bytes", rxBytes);
        c.put("rx_packets", rxBytes / 100);
        c.put("tx_bytes", txBytes);
        c.put("tx_packets", txBytes / 100);
        c.put("tx_dropped", 5L);
        return new BackendStatistics.Device("vif", 3, devid, true, c);
    }

    /** A vbd as blkback reports it: Linux blkback's statistics names. */
    private static BackendStatistics.Device vbd(int devid, long rd, long wr, long rsect, long wsect) {
        return new BackendStatistics.Device("vbd", 3, devid, true, Map.of("rd_req", rd, "wr_req", wr, "rd_sect", rsect,
                "wr_sect", wsect, "oo_req", 0L, "f_req", 9L));
    }

    @Test
    void lifecycleActionFollowsTheShutdownReason() {
        PvDomainSpec spec = new PvDomainSpec("a", "k", "", 16, 16, 1, 1, null, LifecycleAction.PRESERVE,
                LifecycleAction.RESTART, LifecycleAction.DESTROY, List.of());
        assertEquals(LifecycleAction.PRESERVE, Toolstack.action(new DomainEvent(DomainEvent.Type.SHUTDOWN, 1, "a",
                "poweroff"), spec));
        assertEquals(LifecycleAction.RESTART, Toolstack.action(new DomainEvent(DomainEvent.Type.SHUTDOWN, 1, "a",
                "reboot"), spec));
        assertEquals(LifecycleAction.DESTROY, Toolstack.action(new DomainEvent(DomainEvent.Type.SHUTDOWN, 1, "a",
                "crash"), spec));
        assertEquals(LifecycleAction.DESTROY, Toolstack.action(new DomainEvent(DomainEvent.Type.CRASHED, 1, "a",
                "hypervisor error"), spec));
        assertEquals(LifecycleAction.PRESERVE, Toolstack.action(new DomainEvent(DomainEvent.Type.SHUTDOWN, 1, "a",
                "suspend"), spec));
        // a code no reason names (SCHEDOP_shutdown takes any (u8) reason): xl's handle_domain_death
        // destroys the domain whatever the on_* keys say ("Unknown shutdown reason code %d. Destroying domain.")
        PvDomainSpec keep = new PvDomainSpec("a", "k", "", 16, 16, 1, 1, null, LifecycleAction.PRESERVE,
                LifecycleAction.PRESERVE, LifecycleAction.PRESERVE, List.of());
        assertEquals(LifecycleAction.DESTROY, Toolstack.action(new DomainEvent(DomainEvent.Type.SHUTDOWN, 1, "a",
                "code 6"), keep));
        assertEquals(LifecycleAction.DESTROY, Toolstack.action(new DomainEvent(DomainEvent.Type.SHUTDOWN, 1, "a",
                "code 200"), keep));
        assertEquals(LifecycleAction.PRESERVE, Toolstack.action(new DomainEvent(DomainEvent.Type.SHUTDOWN, 1, "a",
                "soft_reset"), keep));
    }

    @Test
    void restartsStopAfterTheBurst() {
        java.util.Deque<Long> restarts = new java.util.ArrayDeque<>();
        for (int i = 0; i < Toolstack.RESTART_BURST; i++) {
            assertEquals(true, Toolstack.mayRestart(restarts), "restart " + i);
        }
        assertEquals(false, Toolstack.mayRestart(restarts));
        restarts.clear();
        restarts.add(System.nanoTime() - java.util.concurrent.TimeUnit.SECONDS.toNanos(Toolstack.RESTART_WINDOW_S + 1));
        assertEquals(true, Toolstack.mayRestart(restarts));
        assertEquals(1, restarts.size(), "old restarts leave the window");
    }

    @Test
    void consoleSnapshotAndStreamOverlapIsShownOnce() {
        assertEquals(List.of("c"), ConsoleFollower.unseen("xxab", List.of("a", "b", "c")));
        assertEquals(List.of("a", "b"), ConsoleFollower.unseen("xx", List.of("a", "b")));
        assertEquals(List.of(), ConsoleFollower.unseen("hello\n", List.of("hello\n")));
        assertEquals(List.of(), ConsoleFollower.unseen("", List.of()));
    }
}
