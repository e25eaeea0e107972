package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The Machines service, outside OSGi (the machine command's tests are in org.oxen.x86.machine.command). */
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

    /** Issue 12: memory held by ended machines was never named when a new machine did not fit. */
    @Test
    void endedMachinesAreNamedAsHoldingTheirMemory() throws Exception {
        MachineManager m = TestBoards.manager();
        assertEquals("", m.heldByEndedMachines());
        Machine ended = m.boot(TestBoards.deterministicPc().apply("ram=32"), BootImage.read(Guests.kernel("uart_irq", dir)),
                null);
        assertTrue(ended.awaitEnd(Duration.ofSeconds(60)));
        Machine running = m.boot(TestBoards.deterministicPc(), BootImage.read(Guests.kernel("forever", dir)), null);
        try {
            assertEquals(MachineState.RUNNING, running.state());
            // the image is what an ended machine holds of the Java heap; its RAM is host memory
            long held = ((Board) ended).heapBytes();
            assertTrue(held > 0 && held < (1L << 20), "the image, not the RAM: " + held);
            long ram = ((Board) ended).committedBytes();
            assertTrue(ram > 0 && ram < (32L << 20), "RAM pages used, not the whole RAM: " + ram);
            assertEquals("; ended machines " + ended.id() + " still hold " + ((held + (1 << 20) - 1) >> 20)
                    + " MiB of it in their images until removed ('machine remove <id>')", m.heldByEndedMachines());
            assertTrue(m.remove(ended.id()));
            assertEquals("", m.heldByEndedMachines());
        } finally {
            running.stop();
            assertTrue(running.awaitEnd(Duration.ofSeconds(5)));
        }
    }
}
