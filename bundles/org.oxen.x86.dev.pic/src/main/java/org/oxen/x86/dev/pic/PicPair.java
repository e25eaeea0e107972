package org.oxen.x86.dev.pic;

import java.util.List;

import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.api.device.PortRegion;

/**
 * The PC's cascaded 8259A pair: the slave's INT drives the master's IR2; ISA IRQ n &lt; 8 goes
 * to the master's IRn, 8..15 to the slave's IR(n-8). The master's INT is the CPU's INTR (or a
 * local APIC's LINT0 in ExtINT mode), offered as an {@link InterruptController}.
 *
 * <p>Regions: {@code master} and {@code slave} (2 ports each: A0=0 command, A0=1 data) and the
 * optional {@code elcr} (2 ports: edge/level control of master and slave, IRQ 0, 1, 2, 8 and 13
 * always edge).
 */
final class PicPair implements Device, InterruptController, InterruptSink {

    final I8259 master = new I8259(true, 0xF8);
    final I8259 slave = new I8259(false, 0xDE);
    private final InterruptRouter router;
    private InterruptLine output = high -> { };
    private boolean outputLevel;

    PicPair(InterruptRouter router) {
        this.router = router;
        slave.onUpdate = () -> master.setInput(2, slave.pendingIrq() >= 0);
        master.onUpdate = this::updateOutput;
        reset();
    }

    /** The master's INT pin onto whatever it is connected to. */
    private void updateOutput() {
        boolean level = master.pendingIrq() >= 0;
        if (level != outputLevel) {
            outputLevel = level;
            output.set(level);
        }
    }

    @Override
    public void connect(InterruptLine line) {
        output = line;
        outputLevel = master.pendingIrq() >= 0;
        line.set(outputLevel);
    }

    @Override
    public List<PortRegion> portRegions() {
        return List.of(
                new PortRegion("master", 2, port(master)),
                new PortRegion("slave", 2, port(slave)),
                new PortRegion("elcr", 2, new IoPortDevice() {
                    @Override
                    public int read8(int offset) {
                        return offset == 0 ? master.elcr : slave.elcr;
                    }

                    @Override
                    public void write8(int offset, int value) {
                        I8259 chip = offset == 0 ? master : slave;
                        chip.elcr = value & chip.elcrMask;
                    }
                }, true));
    }

    private static IoPortDevice port(I8259 chip) {
        return new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return chip.read(offset & 1);
            }

            @Override
            public void write8(int offset, int value) {
                chip.write(offset & 1, value);
            }
        };
    }

    /** Machine reset (RESET#): both chips uninitialised until their ICWs, and the ELCRs cleared (PIIX). */
    @Override
    public void reset() {
        slave.powerOn();
        master.powerOn();
        slave.elcr = 0;
        master.elcr = 0;
        slave.onUpdate.run();
        updateOutput();
    }

    /** The layout of {@link #saveState()}. */
    static final int STATE_VERSION = 1;

    /** Xen's HVM_SAVE_CODE(PIC) for both chips: master, then slave. */
    @Override
    public DeviceState saveState() {
        StateWriter w = new StateWriter();
        master.save(w);
        slave.save(w);
        return w.finish(STATE_VERSION);
    }

    @Override
    public void loadState(String id, DeviceState state) {
        String dev = id + " (pic)";
        StateReader.checkVersion(dev, state, STATE_VERSION);
        StateReader r = state.reader(dev);
        I8259.Saved m = master.read(r);
        I8259.Saved s = slave.read(r);
        r.end();
        master.apply(m);
        slave.apply(s);
        updateOutput();
    }

    @Override
    public void close() {
        router.detach(this);
        if (router.legacyController() == this) {
            router.setLegacyController(null);
        }
    }

    // ---- InterruptSink: ISA IRQ lines

    @Override
    public void setInput(int irq, boolean level) {
        if (irq < 8) {
            if (irq != 2) {   // IR2 is the cascade; ISA IRQ 2 is wired to IRQ 9 on the bus
                master.setInput(irq, level);
            }
        } else if (irq < 16) {
            slave.setInput(irq - 8, level);
        }
    }

    // ---- InterruptController: the master's INT output and the INTA cycle

    @Override
    public boolean hasInterrupt() {
        return master.pendingIrq() >= 0;
    }

    @Override
    public int acknowledge() {
        int irq = master.pendingIrq();
        if (irq < 0) {
            return master.irqBase + 7;               // spurious IRQ 7 of the master
        }
        int vector;
        int line = -1;
        if (irq == 2) {
            int irq2 = slave.pendingIrq();
            if (irq2 >= 0) {
                slave.intack(irq2);
                line = 8 + irq2;
            } else {
                irq2 = 7;                            // spurious IRQ 15
            }
            vector = slave.irqBase + irq2;
        } else {
            vector = master.irqBase + irq;
            line = irq;
        }
        master.intack(irq);
        if (line >= 0) {
            router.lineAcknowledged(line);           // Xen's pt_intr_post (the PIT's catch-up)
        }
        return vector;
    }
}
