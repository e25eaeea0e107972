package org.oxen.vmm.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.DomainSaveRestore.LiveOptions;
import org.oxen.vmm.api.DomainSaveRestore.Restored;
import org.oxen.vmm.api.DomainSaveRestore.Round;
import org.oxen.vmm.api.DomainSaveRestore.Saved;
import org.oxen.vmm.api.DomainSaveRestore.Suspender;
import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.core.arch.pv.PvVcpuArch;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.hypercall.HypercallDispatcher;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.paging.LogDirty;
import org.oxen.vmm.core.save.DomainRestorer;
import org.oxen.vmm.core.save.DomainSaver;
import org.oxen.vmm.core.save.HvmRecords;
import org.oxen.vmm.core.save.HvmRestorer;
import org.oxen.vmm.core.save.SavedConfig;
import org.oxen.vmm.core.save.StreamFormat;
import org.oxen.vmm.core.save.StreamFormatException;
import org.oxen.vmm.core.save.StreamReader;
import org.oxen.vmm.core.sched.SchedCore;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * {@link Vmm}'s save, live save and restore ({@link DomainSaveRestore}): the save stream's
 * writer ({@link DomainSaver}) on a domain with the hypervisor's log-dirty mode and scheduler
 * behind it, and a restore that reads the stream's header and configuration, then builds the
 * domain (PV or HVM) through the domain lifecycle with the stream as its builder.
 *
 * <p>Locking: none of its own; each operation runs on its caller's thread, and the domain table
 * is the lifecycle's.
 */
final class VmmSaveRestore {

    private final Consumer<String> log;
    private final FramePool pool;
    private final PageTables pageTables;
    private final HypercallDispatcher dispatcher;
    private final DomainLifecycle lifecycle;
    private final PvVcpuArch pv;
    private final LogDirty logDirty;
    private final SchedCore sched;
    private final Map<String, DeviceFactory> deviceFactories;

    VmmSaveRestore(Consumer<String> log, FramePool pool, PageTables pageTables, HypercallDispatcher dispatcher,
            DomainLifecycle lifecycle, PvVcpuArch pv, LogDirty logDirty, SchedCore sched,
            Map<String, DeviceFactory> deviceFactories) {
        this.log = log;
        this.pool = pool;
        this.pageTables = pageTables;
        this.dispatcher = dispatcher;
        this.lifecycle = lifecycle;
        this.pv = pv;
        this.logDirty = logDirty;
        this.sched = sched;
        this.deviceFactories = deviceFactories;
    }

    private final DomainSaver.Host saverHost = new DomainSaver.Host() {
        @Override
        public void logDirtyEnable(DomainImpl d) {
            logDirty.enable(d);
        }

        @Override
        public long[] logDirtyClean(DomainImpl d, int pages) {
            return logDirty.clean(d, pages);
        }

        @Override
        public long[] logDirtyPeek(DomainImpl d, int pages) {
            return logDirty.peek(d, pages);
        }

        @Override
        public void logDirtyDisable(DomainImpl d) {
            logDirty.disable(d);
        }

        @Override
        public void awaitStopped(DomainImpl d) {
            sched.cpupools().awaitStopped(d);
        }

        @Override
        public int version() {
            return Vmm.VERSION;
        }

        @Override
        public void log(String line) {
            log.accept(line);
        }
    };

    /** A paused domain's save ({@link DomainSaveRestore#save}). */
    Saved save(DomainImpl d, OutputStream out, byte[] toolstack) throws IOException {
        return new DomainSaver(saverHost, pool, d, out).save(toolstack);
    }

    /** A running domain's live save ({@link DomainSaveRestore#saveLive}). */
    Saved saveLive(DomainImpl d, OutputStream out, byte[] toolstack, LiveOptions options, Suspender suspender,
            Consumer<Round> progress) throws IOException, InterruptedException {
        return new DomainSaver(saverHost, pool, d, out).saveLive(toolstack, options, suspender, progress);
    }

    /** A saved domain made again, its name from {@code naming} ({@link DomainSaveRestore#restore}). */
    Restored restore(InputStream in, UnaryOperator<String> naming) throws DomainBuildException, IOException {
        long t0 = System.nanoTime();
        StreamReader r = new StreamReader(in);
        SavedConfig cfg;
        HvmRecords.Info hvmInfo = null;
        try {
            r.header();
            cfg = DomainRestorer.readConfig(r);
            if (r.domainType() == StreamFormat.DHDR_TYPE_X86_HVM) {
                hvmInfo = HvmRecords.readInfo(r, cfg);
            }
        } catch (StreamFormatException e) {
            throw new DomainBuildException("restore refused: " + e.getMessage(), e);
        }
        String n = naming.apply(cfg.name());
        String problem = DomainConfig.nameProblem(n);
        if (problem != null) throw new IllegalArgumentException(problem);
        if (hvmInfo != null) {
            HvmRecords.Info info = hvmInfo;
            HvmRestorer restorer = new HvmRestorer(r, cfg, info, pool,
                    pageTables);
            DomainImpl d = lifecycle.create(n, cfg.cmdline(), cfg.pfns(), cfg.maxMemKiB(), cfg.uuid(), GuestClock.REAL,
                    cfg.vcpus(), true, dom -> new DomainLifecycle.Build(lifecycle.hvmArch(dom, n, cfg.vcpus(), info.serial(),
                            info.ramPages(), deviceFactories), restorer), new byte[0], info.ramPages(), "by restore (HVM)");
            return new Restored(d, restorer.toolstack(), restorer.pagesReceived(), System.nanoTime() - t0);
        }
        DomainRestorer restorer = new DomainRestorer(r, cfg, pool,
                pageTables, dispatcher);
        DomainImpl d = lifecycle.create(n, cfg.cmdline(), cfg.pfns(), cfg.maxMemKiB(), cfg.uuid(),
                cfg.instructions() ? GuestClock.INSTRUCTIONS : GuestClock.REAL, cfg.vcpus(), false,
                dom -> new DomainLifecycle.Build(pv, restorer), new byte[0], cfg.pfns(), "by restore");
        return new Restored(d, restorer.toolstack(), restorer.pagesReceived(), System.nanoTime() - t0);
    }
}
