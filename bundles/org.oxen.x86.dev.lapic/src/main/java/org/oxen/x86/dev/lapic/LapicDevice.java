package org.oxen.x86.dev.lapic;

import java.util.List;

import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.ApicBus;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.MmioRegion;
import org.oxen.x86.api.device.PortRegion;

/**
 * The local APICs of every CPU of a machine (APIC ID = CPU index) and the APIC bus between
 * them and the I/O APICs.
 *
 * <p>Region {@code apic} (MMIO, 4 KiB, per CPU): the board maps it at the same address for
 * every CPU; an access reaches the APIC of {@link DeviceContext#currentCpu()}.
 *
 * <p>Destinations (SDM 10.6.2): physical mode matches the APIC ID, 0xFF broadcasts; logical
 * mode matches LDR bits in the flat model (DFR 0xF...) or cluster and bits in the cluster
 * model (DFR 0x0...), 0xFF broadcasts. Lowest-priority messages go to the matching APIC with
 * the lowest TPR (then the lowest ID). APICs disabled in IA32_APIC_BASE accept nothing.
 */
final class LapicDevice implements Device, ApicBus {

    final Apic[] apics;
    private final DeviceContext context;
    private final InterruptRouter router;

    /**
     * {@code minPeriodNanos}: the shortest period of a periodic timer's interrupt (0: no limit);
     * {@code catchUp}: a periodic timer's missed periods are owed and delivered one per EOI.
     */
    LapicDevice(DeviceContext context, long timerHz, long minPeriodNanos, boolean catchUp) {
        this.context = context;
        this.router = context.interrupts();
        apics = new Apic[context.cpuCount()];
        for (int i = 0; i < apics.length; i++) {
            apics[i] = new Apic(this, i, context.clock(i), context.timers(i), router, timerHz, minPeriodNanos, catchUp);
            router.setLocalApic(i, apics[i]);
        }
        router.setApicBus(this);
    }

    @Override
    public List<PortRegion> portRegions() {
        return List.of();
    }

    @Override
    public List<MmioRegion> mmioRegions() {
        MmioDevice[] pages = new MmioDevice[apics.length];
        for (int i = 0; i < apics.length; i++) {
            pages[i] = apics[i].mmio();
        }
        return List.of(new MmioRegion("apic", 0x1000, new MmioDevice() {
            private MmioDevice page() {
                int cpu = context.currentCpu();
                return pages[cpu < pages.length ? cpu : 0];
            }

            @Override
            public int read8(long offset) {
                return page().read8(offset);
            }

            @Override
            public void write8(long offset, int value) {
                page().write8(offset, value);
            }

            @Override
            public int read16(long offset) {
                return page().read16(offset);
            }

            @Override
            public void write16(long offset, int value) {
                page().write16(offset, value);
            }

            @Override
            public int read32(long offset) {
                return page().read32(offset);
            }

            @Override
            public void write32(long offset, int value) {
                page().write32(offset, value);
            }
        }, false, true));
    }

    @Override
    public void reset() {
        for (Apic a : apics) {
            a.powerOn();
        }
    }

    /** The layout of {@link #saveState()}. */
    static final int STATE_VERSION = 2;

    /** Every CPU's APIC in CPU order (Xen: one LAPIC and one LAPIC_REGS record per vcpu). */
    @Override
    public DeviceState saveState() {
        StateWriter w = new StateWriter();
        w.u8(apics.length);
        for (Apic a : apics) {
            a.save(w);
        }
        return w.finish(STATE_VERSION);
    }

    @Override
    public void loadState(String id, DeviceState state) {
        String dev = id + " (lapic)";
        StateReader.checkVersion(dev, state, STATE_VERSION);
        StateReader r = state.reader(dev);
        r.u8("cpus", apics.length, apics.length);
        Apic.Saved[] saved = new Apic.Saved[apics.length];
        for (int i = 0; i < apics.length; i++) {
            saved[i] = apics[i].read(r);
        }
        r.end();
        for (int i = 0; i < apics.length; i++) {
            apics[i].apply(saved[i]);
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < apics.length; i++) {
            apics[i].close();
            if (router.localApic(i) == apics[i]) {
                router.setLocalApic(i, null);
            }
        }
        if (router.apicBus() == this) {
            router.setApicBus(null);
        }
    }

    /** Bit i set: APIC i is a destination. */
    long destinations(int dest, boolean logical) {
        long mask = 0;
        for (int i = 0; i < apics.length; i++) {
            Apic a = apics[i];
            boolean match;
            if (dest == 0xFF) {
                match = true;
            } else if (!logical) {
                match = a.id == dest;
            } else if (a.dfr >>> 28 == 0xF) {
                match = (dest & a.ldr >>> 24) != 0;
            } else {
                match = dest >> 4 == a.ldr >>> 28 && (dest & a.ldr >>> 24 & 0xF) != 0;
            }
            if (match && a.hwEnabled()) {
                mask |= 1L << i;
            }
        }
        return mask;
    }

    @Override
    public void deliver(int destination, boolean logical, int deliveryMode, int vector, boolean levelTriggered) {
        deliverTo(destinations(destination & 0xFF, logical), deliveryMode, vector, levelTriggered);
    }

    private void deliverTo(long mask, int mode, int vector, boolean level) {
        if (mode == LOWEST_PRIORITY && mask != 0) {
            Apic best = null;
            for (int i = 0; i < apics.length; i++) {
                if ((mask & 1L << i) != 0 && (best == null || apics[i].tpr < best.tpr)) {
                    best = apics[i];
                }
            }
            best.accept(mode, vector, level);
            return;
        }
        for (int i = 0; i < apics.length; i++) {
            if ((mask & 1L << i) != 0) {
                apics[i].accept(mode, vector, level);
            }
        }
    }

    /** An ICR write of {@code from}: the IPI it describes. */
    void sendIpi(Apic from, int icrLow, int icrHigh) {
        int mode = icrLow >> 8 & 7;
        boolean logical = (icrLow & 1 << 11) != 0;
        boolean assertLevel = (icrLow & 1 << 14) != 0;
        boolean levelTrigger = (icrLow & 1 << 15) != 0;
        if (mode == INIT && !assertLevel && levelTrigger) {
            return;                             // INIT level de-assert: arbitration IDs only
        }
        int self = from.index;
        long mask = switch (icrLow >> 18 & 3) {
            case 1 -> 1L << self;
            case 2 -> allMask();
            case 3 -> allMask() & ~(1L << self);
            default -> destinations(icrHigh >>> 24, logical);
        };
        deliverTo(mask, mode, icrLow & 0xFF, levelTrigger && mode == FIXED);
    }

    private long allMask() {
        long mask = 0;
        for (int i = 0; i < apics.length; i++) {
            if (apics[i].hwEnabled()) {
                mask |= 1L << i;
            }
        }
        return mask;
    }
}
