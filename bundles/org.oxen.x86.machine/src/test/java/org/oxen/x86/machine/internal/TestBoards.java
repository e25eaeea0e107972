package org.oxen.x86.machine.internal;

import java.nio.file.Path;
import java.time.Duration;

import org.oxen.x86.dev.debugcon.DebugConFactory;
import org.oxen.x86.dev.ioapic.IoApicFactory;
import org.oxen.x86.dev.lapic.LapicFactory;
import org.oxen.x86.dev.pci.PciFactory;
import org.oxen.x86.dev.pic.PicFactory;
import org.oxen.x86.dev.pit.PitFactory;
import org.oxen.x86.dev.rtc.RtcFactory;
import org.oxen.x86.dev.uart.UartFactory;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineDescription;

/** A {@link MachineManager} with every device type of the devices branch, outside OSGi. */
public final class TestBoards {

    private TestBoards() {
    }

    public static MachineManager manager() {
        MachineManager m = new MachineManager();
        m.addFactory("pic", new PicFactory());
        m.addFactory("pit", new PitFactory());
        m.addFactory("rtc", new RtcFactory());
        m.addFactory("uart", new UartFactory());
        m.addFactory("debugcon", new DebugConFactory());
        m.addFactory("pci", new PciFactory());
        m.addFactory("ioapic", new IoApicFactory());
        m.addFactory("lapic", new LapicFactory());
        return m;
    }

    /** The default PC on the deterministic clock. */
    public static MachineDescription deterministicPc() {
        return MachineDescription.pc().withClock(MachineDescription.ClockMode.DETERMINISTIC);
    }

    /** Builds and runs {@code image} until the machine ends (stopped after 60 s: a hung guest fails, not hangs). */
    static Board runToEnd(MachineDescription d, Path image) throws InterruptedException {
        Board b = manager().build(d, BootImage.read(image), null);
        b.start();
        if (!b.awaitEnd(Duration.ofSeconds(60))) {
            b.stop();
            b.awaitEnd(Duration.ofSeconds(5));
        }
        return b;
    }
}
