package org.oxen.x86.dev.pic;

/**
 * One Intel 8259A: the registers and the priority logic of the datasheet, after QEMU's
 * hw/intc/i8259.c.
 *
 * <p>Priority: {@code priorityAdd} is the IR with the lowest priority plus one (rotation
 * moves it); the highest-priority request is the first set bit of IRR&amp;~IMR counting from
 * {@code priorityAdd}. A request is delivered if it has strictly higher priority than every
 * in-service level (in special mask mode, masked in-service levels do not block; in special
 * fully nested mode the master ignores its cascade input's in-service bit).
 *
 * <p>Edge inputs latch a rising edge in IRR (and clear it again only on INTA); level inputs
 * (ELCR bit or ICW1.LTIM) follow the line.
 *
 * <p>Power-on: the chip requests nothing until its initialisation words (ICW1, ICW2 and the
 * ICW3/ICW4 that ICW1 announces) have been written: before that it has no vector base, and
 * during the sequence its INT output stays low. Requests still latch in IRR meanwhile (ICW1
 * clears edge-triggered ones, as the datasheet's edge-sense reset does).
 */
final class I8259 {

    final boolean master;
    final int elcrMask;

    int lastIrr;      // line levels as last seen (edge detection)
    int irr;
    int imr;
    int isr;
    int priorityAdd;
    int irqBase;
    boolean readIsr;
    boolean poll;
    boolean specialMask;
    int initState;
    boolean autoEoi;
    boolean rotateOnAutoEoi;
    boolean specialFullyNested;
    boolean init4;
    boolean singleMode;
    boolean ltim;
    int elcr;
    /** The ICW sequence has completed since power-on (or the last ICW1). */
    boolean initialized;

    /** Called when the INT output may have changed. */
    Runnable onUpdate = () -> { };

    I8259(boolean master, int elcrMask) {
        this.master = master;
        this.elcrMask = elcrMask;
    }

    /** Power-on (RESET#): uninitialised, no requests delivered until the ICWs are written. */
    void powerOn() {
        initReset();
        initialized = false;
    }

    /** ICW1 and power-on: everything but ELCR. */
    void initReset() {
        lastIrr = 0;
        irr &= levelMask();
        imr = 0;
        isr = 0;
        priorityAdd = 0;
        irqBase = 0;
        readIsr = false;
        poll = false;
        specialMask = false;
        initState = 0;
        autoEoi = false;
        rotateOnAutoEoi = false;
        specialFullyNested = false;
        init4 = false;
        singleMode = false;
        ltim = false;
    }

    /**
     * Inputs that follow their line: ELCR bits, all of them under ICW1.LTIM, and the master's
     * cascade input IR2, so that a slave request withdrawn before INTA is withdrawn from the
     * master too instead of leaving a latched edge behind.
     */
    int levelMask() {
        return ltim ? 0xFF : master ? elcr | 0x04 : elcr;
    }

    /** Priority (0 = highest) of the best bit of {@code mask} relative to the rotation, or 8. */
    int priority(int mask) {
        if (mask == 0) {
            return 8;
        }
        int p = 0;
        while ((mask & (1 << ((p + priorityAdd) & 7))) == 0) {
            p++;
        }
        return p;
    }

    /** The IR the chip would present at INTA, or -1. */
    int pendingIrq() {
        if (!initialized) {
            return -1;
        }
        int p = priority(irr & ~imr);
        if (p == 8) {
            return -1;
        }
        int inService = isr;
        if (specialMask) {
            inService &= ~imr;
        }
        if (specialFullyNested && master) {
            inService &= ~(1 << 2);
        }
        return p < priority(inService) ? (p + priorityAdd) & 7 : -1;
    }

    void setInput(int irq, boolean level) {
        int mask = 1 << irq;
        if ((levelMask() & mask) != 0) {
            if (level) {
                irr |= mask;
                lastIrr |= mask;
            } else {
                irr &= ~mask;
                lastIrr &= ~mask;
            }
        } else if (level) {
            if ((lastIrr & mask) == 0) {
                irr |= mask;
            }
            lastIrr |= mask;
        } else {
            lastIrr &= ~mask;
        }
        onUpdate.run();
    }

    /** The INTA cycle for {@code irq}: ISR bit (or auto-EOI rotation), IRR edge cleared. */
    void intack(int irq) {
        if (autoEoi) {
            if (rotateOnAutoEoi) {
                priorityAdd = (irq + 1) & 7;
            }
        } else {
            isr |= 1 << irq;
        }
        if ((levelMask() & (1 << irq)) == 0) {
            irr &= ~(1 << irq);
        }
        onUpdate.run();
    }

    void write(int a0, int val) {
        val &= 0xFF;
        if (a0 == 0) {
            if ((val & 0x10) != 0) {                    // ICW1
                initReset();
                initialized = false;
                initState = 1;
                init4 = (val & 1) != 0;
                singleMode = (val & 2) != 0;
                ltim = (val & 8) != 0;
                onUpdate.run();
            } else if ((val & 0x08) != 0) {             // OCW3
                if ((val & 0x04) != 0) {
                    poll = true;
                }
                if ((val & 0x02) != 0) {
                    readIsr = (val & 1) != 0;
                }
                if ((val & 0x40) != 0) {
                    specialMask = (val & 0x20) != 0;
                    onUpdate.run();
                }
            } else {                                    // OCW2
                ocw2(val);
            }
        } else {
            switch (initState) {
                case 0 -> {                              // OCW1
                    imr = val;
                    onUpdate.run();
                }
                case 1 -> {                              // ICW2
                    irqBase = val & 0xF8;
                    initState = singleMode ? (init4 ? 3 : 0) : 2;
                    endOfIcws();
                }
                case 2 -> {                              // ICW3: the cascade wiring is fixed
                    initState = init4 ? 3 : 0;
                    endOfIcws();
                }
                default -> {                             // ICW4
                    specialFullyNested = (val & 0x10) != 0;
                    autoEoi = (val & 0x02) != 0;
                    initState = 0;
                    endOfIcws();
                }
            }
        }
    }

    /** After an ICW: when it was the last one, the chip starts presenting requests. */
    private void endOfIcws() {
        if (initState == 0 && !initialized) {
            initialized = true;
            onUpdate.run();
        }
    }

    private void ocw2(int val) {
        int cmd = val >> 5;
        switch (cmd) {
            case 0, 4 -> rotateOnAutoEoi = cmd == 4;     // (clear/set) rotate in auto-EOI mode
            case 1, 5 -> {                               // non-specific EOI (and rotate)
                int p = priority(isr);
                if (p != 8) {
                    int irq = (p + priorityAdd) & 7;
                    isr &= ~(1 << irq);
                    if (cmd == 5) {
                        priorityAdd = (irq + 1) & 7;
                    }
                    onUpdate.run();
                }
            }
            case 3 -> {                                  // specific EOI
                isr &= ~(1 << (val & 7));
                onUpdate.run();
            }
            case 6 -> {                                  // set priority: IR val&7 lowest
                priorityAdd = (val + 1) & 7;
                onUpdate.run();
            }
            case 7 -> {                                  // rotate on specific EOI
                int irq = val & 7;
                isr &= ~(1 << irq);
                priorityAdd = (irq + 1) & 7;
                onUpdate.run();
            }
            default -> {                                 // 2: no operation
            }
        }
    }

    /** Command/data port read; a pending poll command turns it into the poll byte. */
    int read(int a0) {
        if (poll) {
            poll = false;
            int irq = pendingIrq();
            if (irq >= 0) {
                intack(irq);
                return 0x80 | irq;
            }
            return 0;
        }
        return a0 == 0 ? (readIsr ? isr : irr) : imr;
    }

    /** Xen's hvm_hw_vpic (HVM_SAVE_CODE(PIC), one per chip), oxen's field order. */
    void save(org.oxen.x86.api.device.StateWriter w) {
        w.u8(lastIrr).u8(irr).u8(imr).u8(isr).u8(priorityAdd).u8(irqBase).bool(readIsr).bool(poll)
                .bool(specialMask).u8(initState).bool(autoEoi).bool(rotateOnAutoEoi).bool(specialFullyNested)
                .bool(init4).bool(singleMode).bool(ltim).u8(elcr).bool(initialized);
    }

    /** The fields of a saved chip, read and checked; applied by {@link #apply}. */
    record Saved(int lastIrr, int irr, int imr, int isr, int priorityAdd, int irqBase, boolean readIsr, boolean poll,
            boolean specialMask, int initState, boolean autoEoi, boolean rotateOnAutoEoi, boolean specialFullyNested,
            boolean init4, boolean singleMode, boolean ltim, int elcr, boolean initialized) {
    }

    Saved read(org.oxen.x86.api.device.StateReader r) {
        String f = master ? "master." : "slave.";
        return new Saved(r.u8(f + "last_irr"), r.u8(f + "irr"), r.u8(f + "imr"), r.u8(f + "isr"),
                r.u8(f + "priority_add", 0, 7), r.bits8(f + "irq_base", 0xF8), r.bool(f + "read_isr"), r.bool(f + "poll"),
                r.bool(f + "special_mask"), r.u8(f + "init_state", 0, 3), r.bool(f + "auto_eoi"),
                r.bool(f + "rotate_on_auto_eoi"), r.bool(f + "special_fully_nested"), r.bool(f + "init4"),
                r.bool(f + "single_mode"), r.bool(f + "ltim"), r.bits8(f + "elcr", elcrMask), r.bool(f + "initialized"));
    }

    void apply(Saved s) {
        lastIrr = s.lastIrr;
        irr = s.irr;
        imr = s.imr;
        isr = s.isr;
        priorityAdd = s.priorityAdd;
        irqBase = s.irqBase;
        readIsr = s.readIsr;
        poll = s.poll;
        specialMask = s.specialMask;
        initState = s.initState;
        autoEoi = s.autoEoi;
        rotateOnAutoEoi = s.rotateOnAutoEoi;
        specialFullyNested = s.specialFullyNested;
        init4 = s.init4;
        singleMode = s.singleMode;
        ltim = s.ltim;
        elcr = s.elcr;
        initialized = s.initialized;
    }
}
