package org.oxen.x86.bus;

import java.util.ArrayList;
import java.util.List;

import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.device.ApicBus;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.api.device.LocalApic;

/**
 * The machine's interrupt wiring: 256 lines (ISA IRQ 0..15, GSIs beyond), each remembering
 * its level and forwarding every change to all attached controllers; the registry of the
 * 8259A pair, the local APICs and the APIC bus.
 *
 * <p>Several devices may share a line (PCI INTx): the line is the wired OR of its drivers only
 * if each driver uses its own {@link #line(int)} handle from {@link #sharedLine(int)}; the plain
 * {@link #line(int)} handle is a single driver.
 */
public final class Interrupts implements InterruptRouter {

    private final List<InterruptSink> sinks = new ArrayList<>();
    private final Line[] lines = new Line[256];
    /** Per line, what {@link #lineAcknowledged} runs (the line driver's; null: none). */
    private final Runnable[] ackListeners = new Runnable[256];
    private final List<LocalApic> locals = new ArrayList<>();
    private InterruptController legacy;
    private ApicBus apicBus;
    private boolean nmiMasked;
    private final List<InterruptLine> cpuIntr = new ArrayList<>();
    private static final InterruptLine NO_LINE = high -> { };

    private final class Line implements InterruptLine {
        final int irq;
        int drivers; // bit 0: the plain handle; bits 1..: shared handles
        int nextShared = 1;

        Line(int irq) {
            this.irq = irq;
        }

        @Override
        public void set(boolean high) {
            drive(1, high);
        }

        void drive(int bit, boolean high) {
            boolean before = drivers != 0;
            drivers = high ? drivers | bit : drivers & ~bit;
            boolean after = drivers != 0;
            if (before != after) {
                for (int i = 0; i < sinks.size(); i++) {
                    sinks.get(i).setInput(irq, after);
                }
            }
        }

        @Override
        public void pulse() {
            if (drivers == 0) {
                set(true);
                set(false);
            }
        }

        boolean high() {
            return drivers != 0;
        }
    }

    public Interrupts() {
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new Line(i);
        }
    }

    @Override
    public InterruptLine line(int irq) {
        checkIrq(irq);
        return lines[irq];
    }

    /**
     * A further, independent driver of line {@code irq}: the line is high while any driver holds
     * it high (level-triggered sharing, as for PCI INTx). Up to 30 shared drivers per line.
     */
    public InterruptLine sharedLine(int irq) {
        checkIrq(irq);
        Line l = lines[irq];
        if (l.nextShared > 30) {
            throw new IllegalStateException("too many drivers on IRQ " + irq);
        }
        int bit = 1 << l.nextShared++;
        return high -> l.drive(bit, high);
    }

    /** Whether line {@code irq} is high. */
    public boolean level(int irq) {
        checkIrq(irq);
        return lines[irq].high();
    }

    @Override
    public void attach(InterruptSink sink) {
        sinks.add(sink);
        for (Line l : lines) {
            if (l.high()) {
                sink.setInput(l.irq, true);
            }
        }
    }

    @Override
    public void detach(InterruptSink sink) {
        sinks.remove(sink);
    }

    @Override
    public void broadcastEoi(int vector) {
        for (int i = 0; i < sinks.size(); i++) {
            sinks.get(i).endOfInterrupt(vector);
        }
    }

    @Override
    public void broadcastAcknowledge(int vector) {
        for (int i = 0; i < sinks.size(); i++) {
            sinks.get(i).acknowledged(vector);
        }
    }

    @Override
    public void lineAcknowledged(int irq) {
        checkIrq(irq);
        Runnable l = ackListeners[irq];
        if (l != null) {
            l.run();
        }
    }

    @Override
    public void setAckListener(int irq, Runnable listener) {
        checkIrq(irq);
        ackListeners[irq] = listener;
    }

    @Override
    public void setLegacyController(InterruptController pic) {
        if (legacy != null && legacy != pic) {
            legacy.connect(NO_LINE);
        }
        legacy = pic;
        rewire();
    }

    @Override
    public InterruptController legacyController() {
        return legacy;
    }

    @Override
    public void setLocalApic(int cpu, LocalApic apic) {
        while (locals.size() <= cpu) {
            locals.add(null);
        }
        LocalApic old = locals.set(cpu, apic);
        if (old != null && old != apic) {
            old.connect(NO_LINE);
        }
        rewire();
    }

    @Override
    public void connectCpu(int cpu, InterruptLine intr) {
        while (cpuIntr.size() <= cpu) {
            cpuIntr.add(NO_LINE);
        }
        cpuIntr.set(cpu, intr == null ? NO_LINE : intr);
        rewire();
    }

    private InterruptLine intrOf(int cpu) {
        return cpu < cpuIntr.size() ? cpuIntr.get(cpu) : NO_LINE;
    }

    /**
     * Local APIC i drives CPU i's INTR; the 8259A drives every local APIC's LINT0, or CPU 0's
     * INTR on a machine without local APICs.
     */
    private void rewire() {
        boolean anyApic = false;
        for (int i = 0; i < locals.size(); i++) {
            LocalApic a = locals.get(i);
            if (a != null) {
                anyApic = true;
                a.connect(intrOf(i));
            }
        }
        if (legacy != null) {
            if (anyApic) {
                legacy.connect(level -> {
                    for (int i = 0; i < locals.size(); i++) {
                        LocalApic a = locals.get(i);
                        if (a != null) {
                            a.setLint0(level);
                        }
                    }
                });
            } else {
                legacy.connect(intrOf(0));
            }
        }
    }

    @Override
    public LocalApic localApic(int cpu) {
        return cpu < locals.size() ? locals.get(cpu) : null;
    }

    @Override
    public InterruptController controllerFor(int cpu) {
        LocalApic apic = localApic(cpu);
        if (apic != null) {
            return apic;
        }
        return cpu == 0 ? legacy : null;
    }

    @Override
    public void setNmiMasked(boolean masked) {
        nmiMasked = masked;
    }

    @Override
    public boolean nmiMasked() {
        return nmiMasked;
    }

    @Override
    public void setApicBus(ApicBus bus) {
        apicBus = bus;
    }

    @Override
    public ApicBus apicBus() {
        return apicBus;
    }

    private static void checkIrq(int irq) {
        if (irq < 0 || irq > 255) {
            throw new IllegalArgumentException("IRQ " + irq + " out of range 0..255");
        }
    }
}
