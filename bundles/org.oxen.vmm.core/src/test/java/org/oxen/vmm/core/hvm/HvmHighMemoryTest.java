package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.mm.FramePool;

/**
 * An HVM domain's pseudo-physical RAM from machine frames above 4 GiB (its P2M maps guest
 * addresses below 4 GiB to 36-bit machine addresses): the native kit programs pass, and
 * destruction gives every frame and every committed page back.
 */
class HvmHighMemoryTest {

    @Test
    void nativeProgramsPassOnFramesAbove4GiB() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(6L << 30, 1));
        try {
            long free = vmm.freeFrames();
            long committed = vmm.pool().ram().committedBytes();
            for (String program : new String[] {"hello", "paging"}) {
                Domain d = vmm.create(DomainConfig.builder("hvm-high-" + program).type(DomainType.HVM)
                        .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, program)).memoryMiB(16).build());
                int above = 0;
                for (int f : vmm.pool().framesOf(d.id())) {
                    if (f >= FramePool.LOW_LIMIT_FRAMES) above++;
                }
                assertTrue(above >= 4096, program + ": its 16 MiB are above 4 GiB: " + above + " frames");
                assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput());
                assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
                vmm.destroy(d.id());
                assertEquals(free, vmm.freeFrames(), program + ": every frame is back");
                assertEquals(committed, vmm.pool().ram().committedBytes(), program + ": every page is given back");
            }
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
