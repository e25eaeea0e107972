package org.oxen.grant.bench;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.core.Vmm;

/**
 * Domain-0's grant operations on a real guest's grant (the kit's {@code grants} program in
 * mode=ring grants one page read-write to Domain-0), through the backend API as a Java backend
 * calls it:
 * <ul>
 * <li>{@code mapUnmap}: GNTTABOP_map_grant_ref + unmap_grant_ref (pin, GTF_reading/writing set
 *     and cleared by compare-and-set in the guest's entry, page and writable type references);</li>
 * <li>{@code copyFromPage}, {@code copyToPage}: GNTTABOP_copy of the whole 4 KiB page out of and
 *     into the grant (acquire, copy, release per call);</li>
 * <li>peers in the same run: {@code arraycopyPage} (System.arraycopy of 4 KiB between two
 *     arrays: the copy without the grant work) and {@code mappedPageGet} (4 KiB read through an
 *     existing mapping's PageView).</li>
 * </ul>
 *
 * <pre>
 * mvn -B -q -pl benchmarks/org.oxen.grant.bench -am install -DskipTests
 * java -cp "$(cat benchmarks/org.oxen.grant.bench/target/classpath.txt):benchmarks/org.oxen.grant.bench/target/classes" \
 *     org.openjdk.jmh.Main GrantBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GrantBenchmark {

    private Vmm vmm;
    private GrantTables grants;
    private int domid;
    private int ref;
    private GrantMapping mapping;
    private PageView view;
    private final byte[] buf = new byte[PageView.SIZE];
    private final byte[] other = new byte[PageView.SIZE];

    @Setup(Level.Trial)
    public void boot() throws Exception {
        vmm = new Vmm(64L << 20, 1);
        Domain g = vmm.create(DomainConfig.builder("bench").kernel(GuestImages.load(GuestImages.Flavor.PV, "grants"))
                .memoryMiB(8).cmdline("domid=1 mode=ring").build());
        Matcher m = Pattern.compile("grants: ring port=(\\d+) ref=(\\d+)").matcher("");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!m.reset(g.consoleOutput()).find()) {
            if (System.nanoTime() > end) throw new IllegalStateException("guest not ready:\n" + g.consoleOutput());
            Thread.sleep(5);
        }
        domid = g.id();
        ref = Integer.parseInt(m.group(2));
        grants = vmm.grantTables();
        mapping = grants.map(domid, ref, false);
        view = mapping.page();
    }

    @TearDown(Level.Trial)
    public void shutdown() {
        mapping.close();
        vmm.shutdown();
    }

    @Benchmark
    public int mapUnmap() throws GrantException {
        GrantMapping m = grants.map(domid, ref, false);
        int r = m.ref();
        m.unmap();
        return r;
    }

    @Benchmark
    public byte[] copyFromPage() throws GrantException {
        grants.copyFrom(domid, ref, 0, buf, 0, PageView.SIZE);
        return buf;
    }

    @Benchmark
    public byte[] copyToPage() throws GrantException {
        grants.copyTo(domid, ref, 0, buf, 0, PageView.SIZE);
        return buf;
    }

    @Benchmark
    public byte[] arraycopyPage() {
        System.arraycopy(other, 0, buf, 0, PageView.SIZE);
        return buf;
    }

    @Benchmark
    public byte[] mappedPageGet() {
        view.get(0, buf, 0, PageView.SIZE);
        return buf;
    }
}
