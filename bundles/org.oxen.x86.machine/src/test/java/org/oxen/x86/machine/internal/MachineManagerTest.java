package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceFactory;
import org.oxen.x86.api.device.PortRegion;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;

/** The Machines service and the machine command, outside OSGi. */
class MachineManagerTest {

    @TempDir
    Path dir;

    /** A device type whose instances remember which factory version made them. */
    static final class Probe implements DeviceFactory {
        final String version;
        final List<String> created = new ArrayList<>();
        final List<String> closed = new ArrayList<>();

        Probe(String version) {
            this.version = version;
        }

        @Override
        public Device create(org.oxen.x86.api.device.DeviceContext context, org.oxen.x86.api.device.DeviceConfig config) {
            created.add(config.id());
            return new Device() {
                @Override
                public List<PortRegion> portRegions() {
                    return List.of();
                }

                @Override
                public void close() {
                    closed.add(config.id());
                }
            };
        }
    }

    @Test
    void runningMachinesKeepTheirDeviceInstancesWhenTheFactoryIsSwapped() throws Exception {
        MachineManager m = TestBoards.manager();
        Probe v1 = new Probe("1"), v2 = new Probe("2");
        m.addFactory(v1, Map.of(DeviceFactory.NAME, "probe", "service.id", 1001L));
        MachineDescription d = MachineDescription.pc().apply("probe");
        BootImage forever = BootImage.read(Guests.kernel("forever", dir));
        Machine a = m.boot(d, forever);
        assertEquals(List.of("probe"), v1.created);

        m.removeFactory(v1, Map.of());
        m.addFactory(v2, Map.of(DeviceFactory.NAME, "probe", "service.id", 1002L));
        Thread.sleep(50);
        assertEquals(MachineState.RUNNING, a.state());
        assertEquals(List.of(), v1.closed, "the running machine keeps its v1 instance");

        Machine b = m.boot(d, forever);
        assertEquals(List.of("probe"), v2.created, "a new machine uses the new factory");
        assertEquals(List.of("probe"), v1.created);

        a.stop();
        assertTrue(a.awaitEnd(Duration.ofSeconds(5)));
        assertEquals(MachineState.STOPPED, a.state());
        assertEquals(List.of("probe"), v1.closed);
        b.stop();
        assertTrue(b.awaitEnd(Duration.ofSeconds(5)));
        assertEquals("waiting\n", a.console("debugcon"));
    }

    @Test
    void higherRankingFactoryWins() throws Exception {
        MachineManager m = TestBoards.manager();
        Probe low = new Probe("low"), high = new Probe("high");
        m.addFactory(low, Map.of(DeviceFactory.NAME, "probe", "service.id", 2001L));
        m.addFactory(high, Map.of(DeviceFactory.NAME, "probe", "service.id", 2002L, "service.ranking", 5));
        Machine a = m.boot(MachineDescription.pc().apply("probe"), BootImage.read(Guests.kernel("cli_hlt", dir)));
        assertTrue(a.awaitEnd(Duration.ofSeconds(10)), "cli_hlt did not end: " + a.state());
        assertEquals(MachineState.HALTED, a.state());
        assertEquals(List.of("probe"), high.created);
        assertEquals(List.of(), low.created);
    }

    // ---- the command ----

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String take(ByteArrayOutputStream b) {
        String s = b.toString(StandardCharsets.UTF_8);
        b.reset();
        return s;
    }

    @Test
    void commandBootsWatchesListsAndStops() throws Exception {
        MachineManager m = TestBoards.manager();
        MachineCommand cmd = new MachineCommand(m);
        Path uart = Guests.kernel("uart_irq", dir);
        assertEquals(0, cmd.run(List.of("boot", uart.toString(), "--serial", "stdio", "-m", "32", "--cmdline", "quiet"), out, err, null),
                () -> take(errBytes));
        assertEquals("hello from the uart interrupt\nmachine 1 (uart_irq.elf): exited, exit status 33\n", take(outBytes));

        Path forever = Guests.kernel("forever", dir);
        assertEquals(0, cmd.run(List.of("boot", forever.toString(), "-c2", "--deterministic"), out, err, null));
        assertEquals("machine 2 (forever.elf) started\n", take(outBytes));
        assertEquals(MachineState.RUNNING, m.get(2).state());
        assertEquals(2, m.get(2).description().cpus());

        assertEquals(0, cmd.run(List.of("list"), out, err, null));
        String list = take(outBytes);
        assertTrue(list.lines().anyMatch(l -> l.matches("1 +uart_irq.elf +exited +1 +32 .*exited, exit status 33")), list);
        assertTrue(list.lines().anyMatch(l -> l.matches("2 +forever.elf +running +2 +64 .*")), list);

        Path pit = Guests.kernel("pic_pit", dir);
        assertEquals(0, cmd.run(List.of("boot", pit.toString()), out, err, null));
        assertEquals("machine 3 (pic_pit.elf) started\n", take(outBytes));
        assertEquals(0, cmd.run(List.of("console", "3", "-d", "debugcon", "-f"), out, err, null));
        assertEquals("pit via pic: 10 ticks\nmachine 3 (pic_pit.elf): exited, exit status 33\n", take(outBytes));

        assertEquals(0, cmd.run(List.of("console", "1", "-d", "debugcon"), out, err, null));
        assertEquals("uart: done, interrupts 0x1f\n", take(outBytes));
        assertEquals(0, cmd.run(List.of("stop", "2"), out, err, null));
        assertEquals("machine 2 (forever.elf): stopped (stopped)\n", take(outBytes));

        assertEquals(1, cmd.run(List.of("stop", "9"), out, err, null));
        assertEquals("machine: no machine 9 ('machine list' shows them)\n", take(errBytes));
        assertEquals(1, cmd.run(List.of("boot", uart.toString(), "--serail", "stdio"), out, err, null));
        assertEquals("machine: unrecognized option '--serail'\n", take(errBytes));
        assertEquals(1, cmd.run(List.of("boot", uart.toString(), "-d", "com1 iqr=4"), out, err, null));
        assertEquals("machine: device com1 (uart): unknown option 'iqr'\n", take(errBytes));
        assertEquals(0, cmd.run(List.of("devices"), out, err, null));
        assertEquals("debugcon ioapic lapic pci pic pit rtc uart\n", take(outBytes));
        assertNull(m.get(4));
        assertEquals(0, cmd.run(List.of("remove", "1"), out, err, null));
        assertNull(m.get(1));
        assertFalse(m.remove(1));
    }
}
