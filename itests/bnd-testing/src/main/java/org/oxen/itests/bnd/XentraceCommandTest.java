package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.Domain;

/**
 * {@code xentrace} in Gogo over the hypervisor's trace buffers, in a real Felix: start with a
 * mask, a kit domain created through {@code xl create} runs, stop, dump as xentrace_format text
 * naming the domain's records; again into a binary file in xentrace's format, parsed back here;
 * bad masks and a directory as the file refused with their reason.
 */
class XentraceCommandTest extends XlSessionTest {

    /** A dump line: CPU, time, (+delta), event name, [ words ]. */
    private static final Pattern LINE = Pattern.compile("CPU(\\d+|d0) +\\d+ \\(\\+ *\\d+\\)  [a-z0-9_]+ +\\[( 0x[0-9a-f]{8})* \\]");

    @Override
    String domainPrefix() {
        return "xtr-";
    }

    private Domain helloPasses(String name) throws Exception {
        Domain d = create(name, "guest:hello", 8, null, null);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!GuestOutput.of(d).contains("RESULT: PASS")) {
            assertTrue(System.nanoTime() < end, GuestOutput.of(d));
            Thread.sleep(20);
        }
        return d;
    }

    @Test
    void startRunDumpAndWriteXentracesFormat() throws Exception {
        gogo.run("xentrace stop");
        gogo.run("xentrace dump"); // whatever an earlier test left
        String started = gogo.run("xentrace start -e sched+dom0op+pv+evtchn");
        assertEquals(0, gogo.get("xentrace.status"), gogo.err());
        assertTrue(started.contains("tracing mask 0x0126f000"), started);
        Domain d = helloPasses("xtr-a");
        gogo.run("xentrace stop");
        assertEquals("0x00000000\n", gogo.run("xentrace mask"));
        String dump = gogo.run("xentrace dump");
        assertEquals(0, gogo.get("xentrace.status"), gogo.err());
        List<String> lines = dump.lines().toList();
        assertTrue(lines.size() > 10, dump);
        for (String l : lines) assertTrue(LINE.matcher(l).matches(), "a xentrace_format line: " + l);
        String id = String.format(" 0x%08x ]", d.id());
        assertTrue(lines.stream().anyMatch(l -> l.contains("dom0_dom_add") && l.endsWith(id) && l.startsWith("CPUd0")), dump);
        assertTrue(lines.stream().anyMatch(l -> l.contains("sched_switch")), dump);
        assertTrue(lines.stream().anyMatch(l -> l.contains("pv_hypercall_v2")), dump);
        assertTrue(lines.stream().anyMatch(l -> l.contains("pv_oxen_hypercall_return")), dump);
        assertTrue(lines.stream().noneMatch(l -> l.contains("mem_")), "mem was not in the mask");
        assertEquals("", gogo.run("xentrace dump"), "the dump took the records out");

        // again, into xentrace's binary format
        gogo.run("xentrace start -e dom0op");
        Domain e = helloPasses("xtr-b");
        gogo.run("xentrace stop");
        Path file = dir.resolve("trace.bin");
        String wrote = gogo.run("xentrace write " + file);
        assertEquals(0, gogo.get("xentrace.status"), gogo.err());
        assertTrue(wrote.matches("xentrace: \\d+ records written to .*\\n"), wrote);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<int[]> adds = new ArrayList<>();
        while (b.hasRemaining()) {
            int h = b.getInt();
            assertEquals(Trace.TRC_TRACE_CPU_CHANGE | 2 << Trace.TRACE_EXTRA_SHIFT, h, "each buffer opens with a CPU change");
            int cpu = b.getInt();
            int bytes = b.getInt();
            assertTrue(cpu >= 0 && bytes > 0 && bytes <= b.remaining(), cpu + " " + bytes);
            int endOfBuffer = b.position() + bytes;
            while (b.position() < endOfBuffer) {
                int hd = b.getInt();
                assertTrue(hd < 0, "the cycles flag: a timestamp follows");
                long ns = b.getInt() & 0xFFFFFFFFL | (long) b.getInt() << 32;
                assertTrue(ns > 0);
                int n = hd >>> Trace.TRACE_EXTRA_SHIFT & Trace.TRACE_EXTRA_MAX;
                int[] extra = new int[n];
                for (int i = 0; i < n; i++) extra[i] = b.getInt();
                if ((hd & Trace.TRC_EVENT_MASK) == Trace.TRC_DOM0_DOM_ADD) adds.add(extra);
            }
            assertEquals(endOfBuffer, b.position());
        }
        assertTrue(adds.stream().anyMatch(x -> x.length == 1 && x[0] == e.id()), "d" + e.id() + "'s creation in the file");

        // refusals
        gogo.run("xentrace mask bogus");
        assertEquals(1, gogo.get("xentrace.status"));
        assertTrue(gogo.err().contains("'bogus' is no trace mask"), gogo.err());
        gogo.run("xentrace mask 0x10000000");
        assertEquals(1, gogo.get("xentrace.status"));
        assertTrue(gogo.err().contains("bits above TRC_ALL"), gogo.err());
        gogo.run("xentrace write " + dir);
        assertEquals(1, gogo.get("xentrace.status"));
        assertTrue(gogo.err().contains("is a directory"), gogo.err());
        assertEquals("0x00000000\n", gogo.run("xentrace mask"), "a refused mask changes nothing");
    }
}
