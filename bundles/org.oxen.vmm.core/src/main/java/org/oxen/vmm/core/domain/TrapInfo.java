package org.oxen.vmm.core.domain;

/** One trap-table entry as set_trap_table installed it (a virtual IDT gate). */
public record TrapInfo(int vector, int flags, int cs, int address) {

    public int dpl() {
        return flags & 3;
    }

    /** The handler runs with events masked (the gate is an "interrupt gate"). */
    public boolean masksEvents() {
        return (flags & 4) != 0;
    }
}
