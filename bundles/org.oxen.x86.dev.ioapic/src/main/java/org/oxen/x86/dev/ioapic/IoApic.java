package org.oxen.x86.dev.ioapic;

import java.util.List;

import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.ApicBus;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.api.device.MmioRegion;
import org.oxen.x86.api.device.PortRegion;

/**
 * Intel 82093AA I/O APIC (version 0x11, 24 pins), after its datasheet and QEMU's
 * hw/intc/ioapic.c.
 *
 * <p>Region {@code ioapic} (MMIO, 4 KiB): IOREGSEL at 0x00, IOWIN at 0x10. Registers: 0x00 ID,
 * 0x01 version, 0x02 arbitration ID, 0x10 + 2n / 0x11 + 2n the low / high half of redirection
 * entry n.
 *
 * <p>Inputs: router line n drives pin n, except ISA IRQ 0 which drives pin 2 (the PC's
 * interrupt source override). An edge-triggered pin latches a rising edge (kept while masked,
 * delivered on unmask, as QEMU does); a level-triggered pin delivers while asserted, sets the
 * remote IRR and delivers again after the local APIC's EOI broadcast if still asserted.
 * Polarity is stored but the router's lines carry the asserted state, so it is not applied
 * (as in QEMU). Delivery status is always idle: messages are delivered at once over the
 * {@link ApicBus}.
 */
final class IoApic implements Device, InterruptSink {

    static final int PINS = 24;
    static final long MASKED = 1L << 16, LEVEL = 1L << 15, REMOTE_IRR = 1L << 14, POLARITY = 1L << 13,
            DELIVERY_STATUS = 1L << 12, LOGICAL = 1L << 11;
    /** Guest-writable bits of an entry: all but delivery status and remote IRR. */
    static final long WRITABLE = 0xFF00_0000_0001_AFFFL;

    private final InterruptRouter router;
    private final int defaultId;
    final long[] redirection = new long[PINS];
    /** Pin levels (level pins) / latched edges (edge pins). */
    int irr;
    private int levels;
    private int id;
    private int select;

    IoApic(InterruptRouter router, int id) {
        this.router = router;
        this.defaultId = id;
        reset();
    }

    @Override
    public void reset() {
        for (int i = 0; i < PINS; i++) {
            redirection[i] = MASKED;
        }
        irr = 0;
        id = defaultId;
        select = 0;
        // pin levels are wires: they survive
    }

    /** The layout of {@link #saveState()}. */
    static final int STATE_VERSION = 1;

    /** Xen's HVM_SAVE_CODE(IOAPIC) (hvm_hw_vioapic: id, ioregsel, the redirection table), with IRR and the pin levels. */
    @Override
    public DeviceState saveState() {
        StateWriter w = new StateWriter();
        w.u8(id).u8(select).u32(irr).u32(levels);
        for (long e : redirection) {
            w.u64(e);
        }
        return w.finish(STATE_VERSION);
    }

    @Override
    public void loadState(String dev, DeviceState state) {
        String name = dev + " (ioapic)";
        StateReader.checkVersion(name, state, STATE_VERSION);
        StateReader r = state.reader(name);
        int i = r.u8("id", 0, 15);
        int sel = r.u8("ioregsel");
        int pending = r.bits32("irr", (1 << PINS) - 1);
        int lv = r.bits32("levels", (1 << PINS) - 1);
        long[] table = new long[PINS];
        for (int n = 0; n < PINS; n++) {
            table[n] = r.u64("redirection[" + n + "]");
            if ((table[n] & ~(WRITABLE | REMOTE_IRR | DELIVERY_STATUS)) != 0) {
                throw r.bad("redirection[" + n + "]", String.format("0x%016x has bits the entry does not hold", table[n]));
            }
        }
        r.end();
        id = i;
        select = sel;
        irr = pending;
        levels = lv;
        System.arraycopy(table, 0, redirection, 0, PINS);
    }

    @Override
    public void close() {
        router.detach(this);
    }

    @Override
    public List<PortRegion> portRegions() {
        return List.of();
    }

    @Override
    public List<MmioRegion> mmioRegions() {
        return List.of(new MmioRegion("ioapic", 0x1000, new MmioDevice() {
            @Override
            public int read8(long offset) {
                return read32(offset & ~3L) >>> 8 * (int) (offset & 3) & 0xFF;
            }

            @Override
            public void write8(long offset, int value) {
                if (offset == 0) {
                    select = value & 0xFF;
                }
            }

            @Override
            public int read32(long offset) {
                if (offset == 0x00) {
                    return select;
                }
                return offset == 0x10 ? readRegister(select) : 0;
            }

            @Override
            public void write32(long offset, int value) {
                if (offset == 0x00) {
                    select = value & 0xFF;
                } else if (offset == 0x10) {
                    writeRegister(select, value);
                }
            }
        }));
    }

    int readRegister(int reg) {
        switch (reg) {
            case 0x00:
                return id << 24;
            case 0x01:
                return (PINS - 1) << 16 | 0x11;
            case 0x02:
                return id << 24;
            default:
                int n = (reg - 0x10) >> 1;
                if (reg < 0x10 || n >= PINS) {
                    return 0;
                }
                long e = redirection[n];
                return (int) ((reg & 1) != 0 ? e >>> 32 : e);
        }
    }

    void writeRegister(int reg, int value) {
        if (reg == 0x00) {
            id = value >>> 24 & 0x0F;
            return;
        }
        int n = (reg - 0x10) >> 1;
        if (reg < 0x10 || n >= PINS) {
            return;
        }
        long e = redirection[n];
        long v = (reg & 1) != 0 ? (long) value << 32 | e & 0xFFFF_FFFFL : e & 0xFFFF_FFFF_0000_0000L | value & 0xFFFF_FFFFL;
        redirection[n] = v & WRITABLE | e & REMOTE_IRR;
        if ((redirection[n] & LEVEL) == 0) {
            redirection[n] &= ~REMOTE_IRR;      // edge entries have no remote IRR
        }
        service();
    }

    @Override
    public void setInput(int irq, boolean level) {
        int pin = irq == 0 ? 2 : irq;
        if (pin >= PINS) {
            return;
        }
        int mask = 1 << pin;
        boolean was = (levels & mask) != 0;
        levels = level ? levels | mask : levels & ~mask;
        if ((redirection[pin] & LEVEL) != 0) {
            irr = level ? irr | mask : irr & ~mask;
        } else if (level && !was) {
            irr |= mask;
        }
        service();
    }

    @Override
    public void endOfInterrupt(int vector) {
        for (int n = 0; n < PINS; n++) {
            long e = redirection[n];
            if ((e & 0xFF) == vector && (e & REMOTE_IRR) != 0) {
                redirection[n] = e & ~REMOTE_IRR;
            }
        }
        service();
    }

    /**
     * A local APIC's INTA of {@code vector}: the line of each edge-triggered pin that delivers it
     * is told (pin 2 is ISA IRQ 0's, the source override), Xen's pt_intr_post by
     * {@code vioapic_get_vector}: the PIT's catch-up raises its next owed tick there.
     */
    @Override
    public void acknowledged(int vector) {
        for (int n = 0; n < PINS; n++) {
            long e = redirection[n];
            if ((e & 0xFF) == vector && (e & (LEVEL | MASKED)) == 0) {
                router.lineAcknowledged(n == 2 ? 0 : n);
            }
        }
    }

    /** Delivers every deliverable pin. */
    private void service() {
        ApicBus bus = router.apicBus();
        for (int n = 0; n < PINS; n++) {
            int mask = 1 << n;
            long e = redirection[n];
            if ((e & LEVEL) != 0 && (levels & mask) != 0) {
                irr |= mask;                         // a level pin re-samples its wire
            }
            if ((irr & mask) == 0 || (e & MASKED) != 0) {
                continue;
            }
            boolean level = (e & LEVEL) != 0;
            if (level) {
                if ((e & REMOTE_IRR) != 0) {
                    continue;
                }
                redirection[n] = e | REMOTE_IRR;
            } else {
                irr &= ~mask;
            }
            if (bus != null) {
                int mode = (int) (e >> 8 & 7);
                bus.deliver((int) (e >>> 56), (e & LOGICAL) != 0, mode, (int) (e & 0xFF), level);
            }
        }
    }
}
