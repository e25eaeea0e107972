package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.EventChannel;
import org.oxen.vmm.abi.Rings;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.PvConsoleRing;
import org.oxen.vmm.api.backend.ForeignMapException;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.FramePool;

/**
 * start_info's console as xc_dom/libxl leave it (a page of the guest's memory, DISCONNECTED until
 * a backend connects, a port unbound for Domain-0), and Domain-0's foreign mapping of that page:
 * Xen's refusals, references held while mapped, a private copy once the domain is destroyed.
 */
class ConsoleRingSetupTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(64L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    static DomainImpl hello(String name, boolean paused) throws Exception {
        return (DomainImpl) vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "hello"))
                .memoryMiB(8).startPaused(paused).build());
    }

    @Test
    void startInfoCarriesTheConsolePageAndAnUnboundPortForDomain0() throws Exception {
        DomainImpl d = hello("con-si", true);
        PvConsoleRing ring = d.consoleRing().orElseThrow();
        assertEquals(d.id(), vmm.pool().owner((int) ring.mfn()), "the console page is the guest's own memory");
        assertEquals(Rings.XENCONSOLE_DISCONNECTED, vmm.pool().ram().read8((ring.mfn() << 12) + Rings.CONS_CONNECTION));
        int[] st = d.events().status(ring.port());
        assertEquals(EventChannel.STAT_UNBOUND, st[0]);
        assertEquals(0, st[2], "unbound for Domain-0");
        vmm.unpause(d.id());
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
        assertTrue(d.consoleOutput().contains(String.format("console mfn=%#x evtchn=%d", ring.mfn(), ring.port())),
                d.consoleOutput());
        vmm.destroy(d.id());
    }

    @Test
    void domain0MapsTheConsolePageUntilTheDomainIsDestroyed() throws Exception {
        long free = vmm.freeFrames();
        DomainImpl d = hello("con-map", true);
        DomainImpl other = hello("con-other", true);
        PvConsoleRing ring = d.consoleRing().orElseThrow();
        long mfn = ring.mfn();
        int refs = vmm.pool().refCount((int) mfn);

        ForeignMapping m = vmm.foreignMemory().map(d.id(), mfn);
        assertEquals(refs + 1, vmm.pool().refCount((int) mfn), "a mapping holds a reference");
        assertEquals(Rings.XENCONSOLE_DISCONNECTED, m.page().getByte(Rings.CONS_CONNECTION));
        m.page().putByte(Rings.CONS_CONNECTION, Rings.XENCONSOLE_CONNECTED);
        assertEquals(Rings.XENCONSOLE_CONNECTED, vmm.pool().ram().read8((mfn << 12) + Rings.CONS_CONNECTION));
        m.page().putIntRelease(Rings.CONS_IN_PROD, 7);
        assertEquals(7, vmm.pool().ram().read32((mfn << 12) + Rings.CONS_IN_PROD));
        byte[] b = {1, 2, 3};
        m.page().put(Rings.CONS_IN, b, 0, 3);
        byte[] back = new byte[3];
        m.page().get(Rings.CONS_IN, back, 0, 3);
        assertArrayEquals(b, back);
        assertThrows(IndexOutOfBoundsException.class, () -> m.page().get(4090, back, 0, 8));

        // Xen's refusals: no such domain, Domain-0 itself, another domain's frame, a page table
        assertEquals(-Errno.ESRCH, assertThrows(ForeignMapException.class, () -> vmm.foreignMemory().map(99, mfn)).errno());
        assertEquals(-Errno.ESRCH, assertThrows(ForeignMapException.class, () -> vmm.foreignMemory().map(0, mfn)).errno());
        assertEquals(-Errno.EINVAL,
                assertThrows(ForeignMapException.class, () -> vmm.foreignMemory().map(other.id(), mfn)).errno());
        assertEquals(-Errno.EINVAL,
                assertThrows(ForeignMapException.class, () -> vmm.foreignMemory().map(d.id(), 1L << 40)).errno());
        int l3 = org.oxen.vmm.core.arch.pv.PvVcpu.of(d.vcpu(0)).baseL3();
        assertEquals(-Errno.EBUSY,
                assertThrows(ForeignMapException.class, () -> vmm.foreignMemory().map(d.id(), l3)).errno());

        // closing drops the reference; a second mapping is detached by the destroy
        m.close();
        m.close();
        assertFalse(m.isMapped());
        assertEquals(refs, vmm.pool().refCount((int) mfn));
        assertThrows(IllegalStateException.class, () -> m.page().getByte(0));
        ForeignMapping m2 = vmm.foreignMemory().map(d.id(), mfn);
        assertEquals(1, vmm.foreignMemory().count(d.id()));
        m2.page().putInt(Rings.CONS_OUT_PROD, 0x1234);
        vmm.destroy(d.id());
        assertFalse(m2.isMapped(), "the frame went with its domain");
        assertEquals(0, vmm.foreignMemory().count(d.id()));
        // the view keeps the bytes as they were (a backend's last read of the ring) ...
        assertEquals(0x1234, m2.page().getInt(Rings.CONS_OUT_PROD));
        // ... from a private copy: the frame is back in the pool, untouched by writes to the view
        assertEquals(FramePool.OWNER_FREE, vmm.pool().owner((int) mfn));
        int inFrame = vmm.pool().ram().read32((mfn << 12) + Rings.CONS_IN_PROD);
        m2.page().putInt(Rings.CONS_IN_PROD, 0x5678);
        assertEquals(inFrame, vmm.pool().ram().read32((mfn << 12) + Rings.CONS_IN_PROD));
        m2.close();
        assertThrows(IllegalStateException.class, () -> m2.page().getInt(Rings.CONS_OUT_PROD));
        vmm.destroy(other.id());
        assertEquals(free, vmm.freeFrames(), "every frame back");
        assertEquals(0, vmm.internalErrors());
    }
}
