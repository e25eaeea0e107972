package org.oxen.vmm.core.hvm;

import java.time.Duration;

import org.oxen.guests.GuestImages;
import org.oxen.vmm.core.Vmm;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.internal.TestBoards;

/** Helpers of {@code VmmBenchmark}'s Figure 3: device factories for HVM, and the native image on the board. */
public final class HvmBench {

    private HvmBench() {
    }

    public static Vmm withDevices(Vmm vmm) {
        return HvmTestSupport.withDevices(vmm);
    }

    /** Boots the kit's native {@code program} on the bare machine (default PC, real clock); returns what port 0xE9 printed. */
    public static String onBoard(String program, String cmdline) throws InterruptedException {
        Machine m = TestBoards.manager().boot(MachineDescription.pc().withOption("debugcon", "console", "none"),
                new BootImage(program, GuestImages.load(GuestImages.Flavor.NATIVE, program), cmdline, java.util.List.of()),
                null);
        if (!m.awaitEnd(Duration.ofSeconds(300))) {
            m.stop();
            throw new AssertionError(program + " on the board did not end");
        }
        return m.console("debugcon");
    }
}
