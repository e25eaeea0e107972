package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Vcpu;

/**
 * The web console's figures in the runtime's framework: /metrics (Prometheus text) and the JMX
 * MBeans agree with {@code xl list} and {@code xl top} (CPU, memory, vcpus, each hypercall and
 * exit, device I/O, events and pages mapped), and Gogo's {@code metrics off} stops the counts
 * and the scrape says so.
 */
class WebConsoleMetricsTest extends WebConsoleBed {

    private static final Pattern LIST_ROW = Pattern.compile("(?m)^(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)\\s+([0-9.]+)$");

    private static Map<String, Double> scrape(String text, String metric, String domid) {
        Map<String, Double> m = new java.util.TreeMap<>();
        Pattern p = Pattern.compile("(?m)^" + metric + "\\{domid=\"" + domid + "\"([^}]*)\\} (\\S+)$");
        Matcher x = p.matcher(text);
        while (x.find()) m.put(x.group(1), Double.parseDouble(x.group(2)));
        return m;
    }

    @Test
    void metricsAndJmxAgreeWithXlListAndXlTop() throws Exception {
        int id = create("wc-metrics", "guest:cpubench", "extra = \"loop=20000 mix=50 repeat=0\"\n");
        Domain d = domains.find(id).orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (d.vcpus().get(0).hypercalls(org.oxen.vmm.abi.Hypercall.CONSOLE_IO) + d.vcpus().get(0).hypercalls(
                org.oxen.vmm.abi.Hypercall.EVENT_CHANNEL_OP) == 0 || d.cpuTimeNanos() < 200_000_000L) {
            assertTrue(System.nanoTime() < deadline, "cpubench runs and makes hypercalls");
            Thread.sleep(20);
        }
        // paused, every counter stands still: the three readers must agree exactly
        assertEquals("", gogo.run("xl pause wc-metrics"));
        Thread.sleep(100);
        String metrics = get("/metrics", "Bearer " + token).body();
        String list = gogo.run("xl list wc-metrics");
        String top = gogo.run("xl top -b -i 1");
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("org.oxen:type=Domain,domid=" + id);

        Matcher row = LIST_ROW.matcher(list);
        assertTrue(row.find(), list);
        long xlMemMiB = Long.parseLong(row.group(3));
        int xlVcpus = Integer.parseInt(row.group(4));
        double xlTime = Double.parseDouble(row.group(6));
        String sid = Integer.toString(id);
        assertEquals(xlMemMiB << 20, scrape(metrics, "oxen_domain_memory_bytes", sid).get(",name=\"wc-metrics\"").longValue());
        assertEquals(xlMemMiB << 10, ((Long) jmx.getAttribute(name, "MemoryKiB")).longValue());
        assertEquals(xlVcpus, scrape(metrics, "oxen_domain_vcpus", sid).get(",name=\"wc-metrics\"").intValue());
        assertEquals(xlVcpus, ((Integer) jmx.getAttribute(name, "Vcpus")).intValue());
        double cpu = scrape(metrics, "oxen_domain_cpu_seconds_total", sid).get(",name=\"wc-metrics\"");
        assertEquals(xlTime, Math.round(cpu * 10) / 10.0, 0.05, "xl list Time(s) is the same CPU time");
        assertEquals((long) (cpu * 1e9), ((Long) jmx.getAttribute(name, "CpuTimeNanos")).longValue(), 1.0);
        Matcher topRow = Pattern.compile("(?m)^\\s*wc-metrics\\s+(\\S+)\\s+(\\d+)\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+(\\d+)(?:\\s+\\d+){9}$").matcher(top); // then NETS ... VBD_WSECT
        assertTrue(topRow.find(), top);
        assertEquals((long) cpu, Long.parseLong(topRow.group(2)), "xl top CPU(sec)");
        assertEquals(xlMemMiB << 10, Long.parseLong(topRow.group(3)), "xl top MEM(k)");
        assertEquals(xlVcpus, Integer.parseInt(topRow.group(5)), "xl top VCPUS");

        // hypercalls by number: /metrics, JMX and the VMM's own counters, exactly
        long[] byNumber = (long[]) jmx.getAttribute(name, "HypercallsByNumber");
        Map<String, Double> scraped = scrape(metrics, "oxen_vcpu_hypercalls_total", sid);
        long sum = 0;
        for (int nr = 0; nr < Vcpu.HYPERCALL_NUMBERS; nr++) {
            long own = d.vcpus().get(0).hypercalls(nr);
            assertEquals(own, byNumber[nr], "hypercall " + nr);
            sum += own;
        }
        assertTrue(sum > 0);
        assertEquals(sum, scraped.values().stream().mapToLong(Double::longValue).sum());
        assertTrue(scraped.containsKey(",name=\"wc-metrics\",vcpu=\"0\",hypercall=\"event_channel_op\""), scraped.toString());
        assertEquals(sum, ((Long) jmx.getAttribute(name, "Hypercalls")).longValue());
        Map<String, Double> exits = scrape(metrics, "oxen_vcpu_exits_total", sid);
        assertTrue(exits.get(",name=\"wc-metrics\",vcpu=\"0\",reason=\"software_interrupt\"") >= sum - byNumber[org.oxen.vmm.abi.Hypercall.MULTICALL] * 0,
                "every hypercall is an int 0x82 exit: " + exits);
        long[] vexits = (long[]) jmx.getAttribute(new ObjectName("org.oxen:type=Vcpu,domid=" + id + ",vcpu=0"), "Exits");
        assertEquals(exits.get(",name=\"wc-metrics\",vcpu=\"0\",reason=\"software_interrupt\"").longValue(), vexits[0]);
        assertEquals(d.vcpus().get(0).instructions(),
                scrape(metrics, "oxen_vcpu_instructions_total", sid).get(",name=\"wc-metrics\",vcpu=\"0\"").longValue());

        // destroyed: gone from /metrics and from JMX
        assertEquals("", gogo.run("xl destroy wc-metrics"));
        assertFalse(get("/metrics", "Bearer " + token).body().contains("domid=\"" + id + "\""));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (jmx.isRegistered(name)) {
            assertTrue(System.nanoTime() < deadline, "the MBean leaves with its domain");
            Thread.sleep(10);
        }
    }

    /**
     * The counters' switch: Gogo's {@code metrics off} stops the hypercall, exit, upcall and
     * event counts of a running cpubench (the scrape says {@code oxen_metrics_counting 0} and has
     * none of them while CPU time and instructions go on); {@code metrics on} counts again.
     */
    @Test
    void gogoMetricsOffStopsTheCountsAndTheScrapeSaysSo() throws Exception {
        assertEquals("metrics: counting on\n", gogo.run("metrics"));
        assertTrue(get("/metrics", "Bearer " + token).body().contains("\noxen_metrics_counting 1\n"));
        int id;
        try {
            assertEquals("metrics: counting off\n", gogo.run("metrics off"));
            assertEquals(0, gogo.get("metrics.status"));
            id = create("wc-off", "guest:cpubench", "extra = \"loop=20000 mix=50 repeat=0\"\n");
            Domain d = domains.find(id).orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (d.cpuTimeNanos() < 200_000_000L) {
                assertTrue(System.nanoTime() < deadline, "cpubench runs");
                Thread.sleep(20);
            }
            assertEquals("", gogo.run("xl pause wc-off"));
            String metrics = get("/metrics", "Bearer " + token).body();
            String sid = Integer.toString(id);
            assertTrue(metrics.contains("\noxen_metrics_counting 0\n"), metrics);
            assertEquals(Map.of(), scrape(metrics, "oxen_vcpu_hypercalls_total", sid), "no hypercall counted");
            assertEquals(Map.of(), scrape(metrics, "oxen_vcpu_exits_total", sid), "no exit counted");
            assertEquals(0, scrape(metrics, "oxen_vcpu_upcalls_total", sid).get(",name=\"wc-off\",vcpu=\"0\"").longValue());
            assertEquals(0, scrape(metrics, "oxen_vcpu_events_sent_total", sid).get(",name=\"wc-off\",vcpu=\"0\"").longValue());
            assertEquals(0, scrape(metrics, "oxen_domain_events_delivered_total", sid).get(",name=\"wc-off\"").longValue());
            assertTrue(scrape(metrics, "oxen_vcpu_instructions_total", sid).get(",name=\"wc-off\",vcpu=\"0\"") > 0,
                    "instructions are kept with counting off");
            assertTrue(scrape(metrics, "oxen_domain_cpu_seconds_total", sid).get(",name=\"wc-off\"") > 0);

            gogo.run("metrics sideways");
            assertEquals(1, gogo.get("metrics.status"));
            assertTrue(gogo.err().contains("metrics: unknown subcommand 'sideways'"), gogo.err());
        } finally {
            gogo.run("metrics on");
        }
        assertEquals(0, gogo.get("metrics.status"), gogo.err());
        assertEquals("metrics: counting on\n", gogo.run("metrics status"));
        assertEquals("", gogo.run("xl unpause wc-off"));
        Domain d = domains.find(id).orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (d.vcpus().get(0).hypercalls(org.oxen.vmm.abi.Hypercall.CONSOLE_IO)
                + d.vcpus().get(0).hypercalls(org.oxen.vmm.abi.Hypercall.EVENT_CHANNEL_OP) == 0) {
            assertTrue(System.nanoTime() < deadline, "on again: cpubench's hypercalls are counted");
            Thread.sleep(20);
        }
        String metrics = get("/metrics", "Bearer " + token).body();
        assertTrue(metrics.contains("\noxen_metrics_counting 1\n"), metrics);
        assertFalse(scrape(metrics, "oxen_vcpu_hypercalls_total", Integer.toString(id)).isEmpty(), metrics);
    }

    /** Reads {@code xl top -b -i 1}'s row of {@code name}: its 18 columns. */
    private String[] topColumns(String name) throws Exception {
        String top = gogo.run("xl top -b -i 1");
        Matcher m = Pattern.compile("(?m)^\\s*" + name + "\\s+(.*)$").matcher(top);
        assertTrue(m.find(), top);
        String[] c = m.group(1).trim().split("\\s+");
        assertEquals(17, c.length, top);
        return c;
    }

    /**
     * Device I/O, events and pages mapped: a kit blktest domain writes and reads its raw disk
     * through blkback, is paused once its requests stand still, and /metrics, JMX and xl top
     * (VBD_RD, VBD_WR, VBD_RSECT, VBD_WSECT) give the same figures; its events and the pages
     * Domain-0 maps (blkback's ring grant, xenconsoled's foreign map of the console ring) agree
     * between /metrics, JMX and the VMM.
     */
    @Test
    void deviceIoEventsAndPagesMappedAgreeWithXlTop() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("wc-io");
        java.nio.file.Path img = dir.resolve("disk.img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        java.nio.file.Path cfg = dir.resolve("io.cfg");
        java.nio.file.Files.writeString(cfg, "name = \"wc-io\"\nkernel = \"guest:blktest\"\nmemory = 16\n"
                + "extra = \"node=device/vbd/51712 passes=0 mib=1 chunk=16 depth=8 seed=3\"\n"
                + "disk = [ '" + img + ",raw,xvda,rw' ]\n");
        gogo.run("xl create " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = domains.find("wc-io").orElseThrow();
        int id = d.id();
        String sid = Integer.toString(id);
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("org.oxen:type=Domain,domid=" + id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Long.parseLong(topColumns("wc-io")[14]) < 200) { // VBD_WR
            assertTrue(System.nanoTime() < deadline, "blktest writes its disk: " + GuestOutput.of(d));
            Thread.sleep(50);
        }
        assertEquals("", gogo.run("xl pause wc-io"));
        // the backend answers what it took; then every figure stands still
        String[] top = topColumns("wc-io");
        for (String[] again = null; !java.util.Arrays.equals(top, again); ) {
            again = top;
            Thread.sleep(300);
            top = topColumns("wc-io");
            top[2] = again[2]; // CPU(%) may move while the pause settles
        }
        String metrics = get("/metrics", "Bearer " + token).body();
        String devLabels = ",name=\"wc-io\",type=\"vbd\",devid=\"51712\",op=";
        Map<String, Double> reqs = scrape(metrics, "oxen_device_requests_total", sid);
        Map<String, Double> bytes = scrape(metrics, "oxen_device_bytes_total", sid);
        assertEquals(1, Integer.parseInt(top[11]), "xl top VBDS");
        long rd = Long.parseLong(top[13]), wr = Long.parseLong(top[14]), rsect = Long.parseLong(top[15]), wsect = Long.parseLong(top[16]);
        assertTrue(rd > 0 && wr >= 200, "blktest read and wrote: " + String.join(" ", top));
        assertEquals(rd, reqs.get(devLabels + "\"read\"").longValue(), "VBD_RD " + reqs);
        assertEquals(wr, reqs.get(devLabels + "\"write\"").longValue(), "VBD_WR");
        assertEquals(rsect * 512, bytes.get(devLabels + "\"read\"").longValue(), "VBD_RSECT");
        assertEquals(wsect * 512, bytes.get(devLabels + "\"write\"").longValue(), "VBD_WSECT");
        String[] ioDevices = (String[]) jmx.getAttribute(name, "IoDevices");
        long[] ioRequests = (long[]) jmx.getAttribute(name, "IoRequests");
        long[] ioBytes = (long[]) jmx.getAttribute(name, "IoBytes");
        List<String> devs = List.of(ioDevices);
        assertEquals(rd, ioRequests[devs.indexOf("vbd 51712 read")], devs.toString());
        assertEquals(wr, ioRequests[devs.indexOf("vbd 51712 write")]);
        assertEquals(rsect * 512, ioBytes[devs.indexOf("vbd 51712 read")]);
        assertEquals(wsect * 512, ioBytes[devs.indexOf("vbd 51712 write")]);

        // events, each side the same counters
        long delivered = d.eventsDelivered();
        long sent = d.vcpus().get(0).eventsSent();
        assertTrue(delivered > 0 && sent > 0, "blkfront and blkback notified each other: " + delivered + " " + sent);
        assertEquals(delivered, scrape(metrics, "oxen_domain_events_delivered_total", sid).get(",name=\"wc-io\"").longValue());
        assertEquals(delivered, ((Long) jmx.getAttribute(name, "EventsDelivered")).longValue());
        assertEquals(sent, scrape(metrics, "oxen_vcpu_events_sent_total", sid).get(",name=\"wc-io\",vcpu=\"0\"").longValue());
        assertEquals(sent, ((Long) jmx.getAttribute(name, "EventsSent")).longValue());

        // pages mapped: blkback's ring grant (connected), xenconsoled's console ring
        long granted = d.grantedPagesMapped();
        assertTrue(granted >= 1, "blkback maps the ring's granted page: " + granted);
        assertEquals(granted, scrape(metrics, "oxen_domain_granted_pages_mapped", sid).get(",name=\"wc-io\"").longValue());
        assertEquals(granted, ((Long) jmx.getAttribute(name, "GrantedPagesMapped")).longValue());
        assertEquals(1, d.foreignPagesMapped(), "xenconsoled maps the console ring");
        assertEquals(1, scrape(metrics, "oxen_domain_foreign_pages_mapped", sid).get(",name=\"wc-io\"").longValue());
        assertEquals(1L, jmx.getAttribute(name, "ForeignPagesMapped"));
        assertEquals(0, scrape(metrics, "oxen_domain_grant_maps_held", sid).get(",name=\"wc-io\"").longValue(),
                "blktest maps no other domain's grants");

        assertEquals("", gogo.run("xl destroy wc-io"));
        assertFalse(get("/metrics", "Bearer " + token).body().contains("domid=\"" + id + "\""));
    }
}
