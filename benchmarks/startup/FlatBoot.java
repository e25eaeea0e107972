import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.oxen.x86.dev.debugcon.DebugConFactory;
import org.oxen.x86.dev.debugcon.PostCodesFactory;
import org.oxen.x86.dev.ioapic.IoApicFactory;
import org.oxen.x86.dev.lapic.LapicFactory;
import org.oxen.x86.dev.pci.PciFactory;
import org.oxen.x86.dev.pic.PicFactory;
import org.oxen.x86.dev.pit.PitFactory;
import org.oxen.x86.dev.rtc.RtcFactory;
import org.oxen.x86.dev.uart.UartFactory;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;
import org.oxen.x86.machine.internal.MachineManager;

/**
 * Benchmark, not product: the job of {@code ./oxen machine boot -m MiB -w IMAGE} started from a
 * plain {@code main} on a flat class path of the same bundle jars, without Felix, SCR or Gogo
 * (issue 16, cold start: the floor under the OSGi launch's start-up). The board is built as the
 * x86.machine tests build it ({@code TestBoards.manager()}: a {@link MachineManager} given each
 * device factory of the machine launch's bundles, the nine {@code machine devices} lists), then
 * booted, waited for and reported as the {@code machine} command does for {@code boot -w}: the
 * primary console, then {@code machine 1 (NAME): exited, exit status N}; exit status 0 when the
 * machine exited or halted, else 1.
 *
 * <pre>
 * benchmarks/startup/flat.sh [java options] MiB IMAGE     (compiles this file, then runs it)
 * </pre>
 */
public final class FlatBoot {

    private FlatBoot() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: FlatBoot MiB IMAGE");
            System.exit(2);
        }
        MachineManager machines = new MachineManager();
        machines.addFactory("debugcon", new DebugConFactory());
        machines.addFactory("postcode", new PostCodesFactory());
        machines.addFactory("ioapic", new IoApicFactory());
        machines.addFactory("lapic", new LapicFactory());
        machines.addFactory("pci", new PciFactory());
        machines.addFactory("pic", new PicFactory());
        machines.addFactory("pit", new PitFactory());
        machines.addFactory("rtc", new RtcFactory());
        machines.addFactory("uart", new UartFactory());
        MachineDescription d = MachineDescription.pc().apply("ram=" + args[0]);
        Machine m = machines.boot(d, BootImage.read(Path.of(args[1]), null, List.of()), System.out);
        m.awaitEnd(Duration.ofDays(1));
        String text = m.console();
        System.out.print(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            System.out.println();
        }
        String end = m.state() == MachineState.EXITED ? "exited, exit status " + m.exitStatus()
                : m.state().name().toLowerCase() + " (" + m.reason() + ")";
        System.out.println("machine " + m.id() + " (" + m.name() + "): " + end);
        System.out.flush();
        System.exit(m.state() == MachineState.EXITED || m.state() == MachineState.HALTED ? 0 : 1);
    }
}
