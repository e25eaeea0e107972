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

    /**
     * Session 16: {@code machine remove} gives the machine's RAM back to the host at once (the
     * test keeps the board, hence its RAM, strongly reachable: no Cleaner can have run), and only
     * after the machine's thread has ended: a device whose close (on the machine thread, after
     * the state turned STOPPED) still reads guest memory must find it live.
     */
    @Test
    void removingAMachineReleasesItsRamAtOnceAfterItsThreadEnded() throws Exception {
        MachineManager m = TestBoards.manager();
        List<String> closeReads = new ArrayList<>();
        m.addFactory("slowclose", (context, config) -> new Device() {
            @Override
            public List<PortRegion> portRegions() {
                return List.of();
            }

            @Override
            public void close() {
                try {
                    Thread.sleep(300); // remove() is called meanwhile
                    closeReads.add(Integer.toHexString(context.memory().read32(0x100000)));
                } catch (InterruptedException | RuntimeException e) {
                    closeReads.add(e.toString());
                }
            }
        });
        byte[] module = new byte[48 << 20];
        java.util.Arrays.fill(module, (byte) 0x5A);
        BootImage image = BootImage.read(Guests.kernel("forever", dir));
        image = new BootImage(image.name(), image.bytes(), image.cmdline(), List.of(new BootImage.Module("big", module)));
        Board b = (Board) m.boot(TestBoards.deterministicPc().apply("ram=128").apply("slowclose"), image, null);
        module = null;
        long resident = b.ram().residentBytes();
        assertTrue(resident >= 48 << 20, "the module is in RAM: " + resident);
        assertEquals(MachineState.RUNNING, b.state());
        assertTrue(!m.remove(b.id()), "a running machine is not removed");

        long rssBefore = org.oxen.x86.host.HostMemory.processResidentBytes();
        b.stop();
        while (b.state() == MachineState.RUNNING) {
            Thread.sleep(1);
        }
        assertTrue(!b.ended(), "the thread is still closing the devices");
        assertTrue(m.remove(b.id()));
        long rssAfter = org.oxen.x86.host.HostMemory.processResidentBytes();
        assertTrue(b.ended(), "remove waited for the machine thread");
        assertEquals(List.of("kernel code"), closeReads.stream().map(r -> r.startsWith("Illegal") ? r : "kernel code")
                .toList(), "the device's close ran on live RAM: " + closeReads);
        assertTrue(b.released());
        assertEquals(0, b.ram().residentBytes(), "every page given back by remove, not by a GC");
        assertTrue(rssBefore - rssAfter >= 40L << 20, "VmRSS falls by the module's 48 MiB: " + (rssBefore >> 20)
                + " -> " + (rssAfter >> 20) + " MiB");
        assertEquals(null, m.get(b.id()));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> b.debugTarget().physicalMemory().read32(0x100000));
        assertTrue(e.getMessage().startsWith("machine " + b.id() + " (128 MiB of guest RAM at 0x"), e.getMessage());
    }
}
