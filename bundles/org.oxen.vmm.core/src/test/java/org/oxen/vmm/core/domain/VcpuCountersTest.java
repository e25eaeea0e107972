package org.oxen.vmm.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.VcpuExit;
import org.oxen.x86.cpu.ExitReason;

/** Exits are counted by the CPU's reason and read by the API's reason of the same name. */
class VcpuCountersTest {

    @Test
    void everyApiReasonReadsTheCpuReasonOfItsName() {
        VcpuCounters c = new VcpuCounters();
        ExitReason[] cpu = ExitReason.values();
        for (int i = 0; i < cpu.length; i++) {
            for (int k = 0; k <= i; k++) c.exit(cpu[i]);
        }
        for (VcpuExit r : VcpuExit.values()) {
            assertEquals(ExitReason.valueOf(r.name()).ordinal() + 1, c.exits(r), r.name());
        }
        c.hypercall(17);
        c.hypercall(17);
        assertEquals(2, c.hypercalls(17));
        assertEquals(0, c.hypercalls(64), "out of range reads 0");
    }
}
