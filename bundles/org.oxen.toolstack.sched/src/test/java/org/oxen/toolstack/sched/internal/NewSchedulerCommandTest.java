package org.oxen.toolstack.sched.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.sched.api.AbstractSchedulerFactory;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.core.Vmm;

/**
 * A scheduler the toolstack has never heard of gets its whole {@code xl sched-<name>} from its
 * parameter schema: options, usage, listing, setting, pool parameters. (Before, each scheduler
 * needed a class in this bundle and a case in the listing code.)
 */
class NewSchedulerCommandTest {

    /** One queue on pCPU 0; a per-domain "boost" (-b) it stores and a pool "quantum" (-q). */
    static final class OneQueueFactory extends AbstractSchedulerFactory {
        static final ParamSchema DOMAIN = ParamSchema.of(
                ParamSpec.of("boost", ParamUnit.NONE, 0, 9, 1, "stored, reported").withOption('b').withColumn("Bst"));
        static final ParamSchema POOL = ParamSchema.of(
                ParamSpec.of("quantum", ParamUnit.US, 100, 100_000, 1000, "time each vcpu runs").withOption('q'));

        OneQueueFactory() {
            super("onequeue", 42, "One Queue", DOMAIN, POOL);
        }

        @Override
        public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
            return new OneQueue(this, pool, poolParams);
        }
    }

    static final class V extends VcpuData {
        final Link<V> link = new Link<>(this);

        V(SchedVcpu v) {
            super(v);
        }
    }

    static final class D extends DomainData {
        ParamValues params = OneQueueFactory.DOMAIN.defaults();

        D(SchedDomain d) {
            super(d);
        }
    }

    static final class OneQueue extends Scheduler<V, D> {
        final LinkedQueue<V> q = new LinkedQueue<>();

        OneQueue(OneQueueFactory f, CpuPool pool, ParamValues p) {
            super(f, pool, p, V.class, D.class);
        }

        @Override
        protected D allocDomainData(SchedDomain d) {
            return new D(d);
        }

        @Override
        protected V allocVcpuData(SchedVcpu v, D d) {
            return new V(v);
        }

        @Override
        protected void insertVcpu(V v) {
            if (v.vcpu().isRunnable() && !v.link.isQueued()) q.addLast(v.link);
        }

        @Override
        protected void removeVcpu(V v) {
            v.link.unlink();
        }

        @Override
        protected void doSchedule(int cpu, V prev, long now, Decision out) {
            if (prev != null && prev.vcpu().isRunnable() && !prev.link.isQueued()) q.addLast(prev.link);
            V next = cpu == pool.cpus().first() ? q.poll() : null;
            if (next == null) out.idle(Decision.NO_TIMER);
            else out.run(next, poolParams().get("quantum") * 1000);
        }

        @Override
        protected int doPickCpu(V v) {
            return pool.cpus().first();
        }

        @Override
        protected void wakeVcpu(V v) {
            if (current(pool.cpus().first()) != v && !v.link.isQueued()) q.addLast(v.link);
            pool.tickle(pool.cpus().first());
        }

        @Override
        protected void sleepVcpu(V v) {
            v.link.unlink();
            pool.tickle(pool.cpus().first());
        }

        @Override
        protected ParamValues getDomainParams(D d) {
            return d.params;
        }

        @Override
        protected void adjustDomain(D d, ParamValues p) {
            d.params = p;
        }
    }

    @Test
    void aSchedulerUnknownToTheToolstackGetsItsCommandFromItsSchema() throws Exception {
        Vmm v = new Vmm(64L << 20, 1, new OneQueueFactory());
        try {
            assertEquals("onequeue", v.pools().get(0).scheduler());
            v.create(DomainConfig.builder("g").kernel(org.oxen.guests.GuestImages.load(
                    org.oxen.guests.GuestImages.Flavor.PV, "hello")).memoryMiB(4).startPaused(true).build());
            SchedCommand c = new SchedCommand("onequeue", v, v);
            assertEquals("sched-onequeue", c.name());
            assertEquals("d:p:sb:q:", c.shortOptions());
            assertEquals(List.of("domain:=d", "cpupool:=p", "schedparam=s"), List.of(c.longOptions()));
            assertTrue(c.usage().contains("-b BOOST"), c.usage());
            assertTrue(c.usage().contains("-q QUANTUM"), c.usage());

            assertEquals("Cpupool Pool-0: quantum=1000us\n"
                    + "Name                                ID  Bst\n"
                    + "g                                    1    1\n", CommandsTest.xl(c).out());
            assertEquals(0, CommandsTest.xl(c, "-d", "g", "-b", "7").status());
            assertEquals("7", v.schedulerParams(1).get("boost"));
            assertTrue(CommandsTest.xl(c, "-d", "1").out().endsWith("g                                    1    7\n"));
            assertEquals(0, CommandsTest.xl(c, "-s", "-q", "2ms").status());
            assertEquals("Cpupool Pool-0: quantum=2000us\n", CommandsTest.xl(c, "-s").out());
            org.oxen.toolstack.xl.XlUsageException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.oxen.toolstack.xl.XlUsageException.class, () -> CommandsTest.xl(c, "-q", "5"));
            assertTrue(e.getMessage().contains("-q needs -s"), e.getMessage());
        } finally {
            v.shutdown();
        }
    }
}
