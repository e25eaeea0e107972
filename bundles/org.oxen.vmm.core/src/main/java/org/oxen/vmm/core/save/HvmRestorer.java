package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.oxen.vmm.abi.Hvm;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.core.arch.hvm.HvmPlatform;
import org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
import org.oxen.vmm.core.build.HvmBuilder;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.grant.Grants;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.time.VcpuTimers;

/**
 * The restore side of an HVM domain (libxc's xc_sr_restore_x86_hvm.c) as the builder of the new
 * domain, whose PC the hypervisor built from X86_HVM_INFO: pages by gfn (RAM below the saved
 * RAM size, libxc's special pages above it; anything else refused), then after END, checked
 * before anything runs: shared_info at its new frame with its saved contents, mapped at the gfn
 * the guest had it; the event channels at their saved ports; the HVM parameters; guest time
 * continued from the saved domain's and every device loaded in it (a device refusing a field
 * fails the restore, naming device and field); each vcpu's CPU record; once the grant table
 * exists, its frames grown to the saved count, filled and mapped where the guest had them.
 * Any failure throws and the caller releases every frame: nothing is created.
 */
public final class HvmRestorer extends StreamRestorer {

    private final HvmRecords.Info info;
    private final HvmRecords.Saved saved = new HvmRecords.Saved();

    public HvmRestorer(StreamReader r, SavedConfig cfg, HvmRecords.Info info, FramePool pool, PageTables pt) {
        super(r, cfg, pool, pt);
        this.info = info;
    }

    @Override
    Built restore(DomainImpl d) throws IOException, DomainBuildException {
        DomainMemory dm = d.memory();
        HvmVcpuArch arch = (HvmVcpuArch) d.vcpu(0).arch();
        HvmPlatform p = arch.platform();
        byte[] page = new byte[4096];
        readRecords((t, b) -> {
            switch (t) {
                case REC_PAGE_DATA -> pageData(d, dm, page);
                case REC_HVM_CONTEXT -> HvmRecords.readContext(r, saved, d.vcpuCount());
                case REC_HVM_PARAMS -> HvmRecords.readParams(r, saved);
                case REC_HVM_PLATFORM -> HvmRecords.readPlatform(r, saved, d.vcpuCount());
                default -> throw new StreamFormatException(r.where() + ": a record oxen does not restore in an HVM stream");
            }
        });
        String missing = !saved.context ? "HVM_CONTEXT" : saved.params == null ? "HVM_PARAMS"
                : !saved.platform ? "HVM_PLATFORM" : shared == null ? "SHARED_INFO"
                : !saved.cpuIds.contains(0) ? "vcpu 0's CPU record" : null;
        if (missing != null) throw new StreamFormatException("the stream ended (" + r.where() + ") without " + missing);

        long param[] = new long[Hvm.HVM_NR_PARAMS];
        for (long[] e : saved.params) param[(int) e[0]] = e[1];
        int storeMfn = special(dm, param[Hvm.HVM_PARAM_STORE_PFN], "STORE_PFN");
        int consoleMfn = special(dm, param[Hvm.HVM_PARAM_CONSOLE_PFN], "CONSOLE_PFN");
        p.setSpecialPages(storeMfn, consoleMfn);

        // shared_info: the hypervisor's frame, as the builder allocates it, with the saved contents
        int si;
        synchronized (pool) {
            si = pool.alloc(d.id());
            if (si < 0) throw new DomainBuildException("restore of '" + cfg.name() + "': out of machine memory for shared_info");
            pt.shareXenPage(si, dm);
        }
        dm.addExtra(si);
        d.setSharedInfoMfn(si);
        DomainRestorer.writePage(ram, si, shared);
        if (saved.sharedInfoGfn >= 0) mapAt(dm, saved.sharedInfoGfn, si, "shared_info");

        for (int[] e : saved.bindings) {
            int rc = d.events().restoreBinding(e[0], e[1], e[2], e[3]);
            if (rc != 0) {
                throw new DomainBuildException(String.format("restore of '%s' refused: event channel %d (kind %d, vcpu %d,"
                        + " %d) cannot be bound again (%d)", cfg.name(), e[0], e[1], e[2], e[3], rc));
            }
        }
        int storePort = (int) param[Hvm.HVM_PARAM_STORE_EVTCHN];
        int[] st = d.events().status(storePort);
        if (st == null || st[0] != org.oxen.vmm.abi.EventChannel.STAT_UNBOUND || st[2] != 0) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: STORE_EVTCHN " + storePort
                    + " is not a port for Domain-0 among the stream's event channels");
        }
        d.setStore(storeMfn, storePort);
        for (int i = 0; i < param.length; i++) {
            if (i != Hvm.HVM_PARAM_CALLBACK_IRQ && param[i] != 0) p.params().init(i, param[i]);
        }

        p.restoreGuestTime(saved.guestTime);
        p.loadDevices(saved.devices);
        if (param[Hvm.HVM_PARAM_CALLBACK_IRQ] != 0) p.setCallbackVia(param[Hvm.HVM_PARAM_CALLBACK_IRQ]);
        for (int i = 0; i < saved.cpus.size(); i++) {
            arch.loadVcpu(d.vcpu(saved.cpuIds.get(i)), saved.cpus.get(i));
        }
        if (saved.vcpuTimers != null) {
            for (int i = 0; i < saved.vcpuTimers.length; i++) {
                VcpuTimers t = d.vcpu(i).timers();
                t.setPeriod(saved.vcpuTimers[i][1]);
                t.restoreSingleshot(saved.vcpuTimers[i][0]);
            }
        }
        d.log(String.format("restored (HVM): %d pages, %d devices, %d event channels", pagesReceived, saved.devices.size(),
                saved.bindings.size()));
        return () -> String.format("HVM, restored from a stream: %d pages", pagesReceived);
    }

    /** The grant table's frames as the saved domain had them: grown, filled, mapped at their gfns. */
    @Override
    public void grantTableReady(DomainImpl d, Grants grants) throws DomainBuildException {
        DomainMemory dm = d.memory();
        for (int i = 0; i < saved.grantFrames.size(); i++) {
            HvmRecords.GrantFrame f = saved.grantFrames.get(i);
            int mfn = grants.sharedFrame(d, i);
            if (mfn < 0) throw new DomainBuildException("restore of '" + cfg.name() + "': cannot grow the grant table to "
                    + (i + 1) + " frames");
            DomainRestorer.writePage(ram, mfn, f.data());
            if (f.gfn() >= 0) mapAt(dm, f.gfn(), mfn, "grant frame " + i);
        }
    }

    private void mapAt(DomainMemory dm, long gfn, int mfn, String what) throws DomainBuildException {
        if (gfn >= 1L << 20) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + what + " at gfn 0x"
                    + Long.toHexString(gfn) + ", beyond the guest-physical space");
        }
        synchronized (pool) {
            if (dm.p2m((int) gfn) >= 0) {
                throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + what + " at gfn 0x"
                        + Long.toHexString(gfn) + ", which the stream gave a page too");
            }
            dm.hvmPhysmapSet(pool, (int) gfn, mfn);
        }
    }

    private int special(DomainMemory dm, long gfn, String param) throws DomainBuildException {
        int mfn = gfn == HvmBuilder.STORE_PFN || gfn == HvmBuilder.CONSOLE_PFN ? dm.p2m((int) gfn) : -1;
        if (mfn < 0) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: HVM parameter " + param + " is 0x"
                    + Long.toHexString(gfn) + ", not a special page the stream gave");
        }
        return mfn;
    }

    /**
     * XTAB: the source has no frame at {@code gfn}. A later round's XTAB for a gfn an earlier
     * round sent means the guest gave it back in between (decrease_reservation): its frame goes
     * back to the pool and the gfn becomes a hole, as the PV restorer does for a pfn.
     */
    private void releaseFrame(DomainMemory dm, int gfn) {
        synchronized (pool) {
            int mfn = dm.hvmPhysmapSet(pool, gfn, -1);
            if (mfn < 0) return;
            pool.free(mfn);
            dm.adjustTotPages(-1);
        }
    }

    private void pageData(DomainImpl d, DomainMemory dm, byte[] page) throws IOException, DomainBuildException {
        ByteBuffer b = r.body();
        long[] entries = r.pageBatch((i, e, type, gfn) -> {
            boolean ram = gfn < info.ramPages();
            boolean specialPage = gfn == HvmBuilder.STORE_PFN || gfn == HvmBuilder.CONSOLE_PFN;
            if ((e & ~PFN_MASK & ~(0xFL << TYPE_SHIFT)) != 0 || !ram && !specialPage) {
                throw new StreamFormatException(String.format("%s: entry %d: gfn 0x%x is neither RAM (below 0x%x) nor a"
                        + " special page", r.where(), i, gfn, info.ramPages()));
            }
            if (type != TYPE_NOTAB && type != TYPE_XTAB) {
                throw new StreamFormatException(String.format("%s: entry %d: gfn 0x%x has type %s; an HVM domain's pages"
                        + " are NOTAB or XTAB", r.where(), i, gfn, typeName(type)));
            }
        });
        for (int i = 0; i < entries.length; i++) {
            int type = (int) (entries[i] >>> TYPE_SHIFT);
            int gfn = (int) (entries[i] & PFN_MASK);
            if (type == TYPE_XTAB) {
                releaseFrame(dm, gfn);
                continue;
            }
            b.get(page);
            int mfn = DomainRestorer.frameOf(pool, dm, cfg, d, gfn);
            DomainRestorer.writePage(ram, mfn, page);
            pagesReceived++;
        }
    }
}
