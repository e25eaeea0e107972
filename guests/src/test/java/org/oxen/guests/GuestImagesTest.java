package org.oxen.guests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages.Flavor;

class GuestImagesTest {

    @Test
    void namesListEveryProgramOfEachFlavor() {
        assertEquals(List.of("hello", "cpubench", "ptbench", "traps", "paging", "timer", "xenhvm", "serial", "gdbtarget", "singlestep", "logdirty", "hvmhostile", "hvmfuzz", "hvmcount", "hvmballoon", "acpipower", "hvmgrant", "blktest", "netecho", "hvmmapgrant", "hvmsmp", "hvmpit"), GuestImages.names(Flavor.NATIVE));
        assertEquals(List.of("hello", "counter", "cpubench", "ptbench", "traps", "paging", "timer", "events", "smp", "hostile", "pingpong", "sleeper", "privop",
                "ptwrite", "balloon", "logdirty", "gdbtarget", "grants", "xenstore", "ipi", "symtab", "console", "memtarget", "ringping", "blktest", "longcalls",
                "singlestep", "fuzz", "victim", "netecho", "ringfuzz"),
                GuestImages.names(Flavor.PV));
    }

    @Test
    void loadReturnsAFreshElfImage() {
        for (Flavor flavor : Flavor.values()) {
            for (String name : GuestImages.names(flavor)) {
                byte[] a = GuestImages.load(flavor, name);
                byte[] b = GuestImages.load(flavor, name);
                assertTrue(a.length > 4096, flavor + "/" + name + " is suspiciously small");
                assertEquals(0x7f, a[0]);
                assertEquals('E', a[1]);
                assertEquals('L', a[2]);
                assertEquals('F', a[3]);
                assertArrayEquals(a, b);
                assertNotSame(a, b);
            }
        }
    }

    @Test
    void unknownProgramIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GuestImages.load(Flavor.NATIVE, "events"));
        assertTrue(e.getMessage().contains("'events'"), e.getMessage());
        assertTrue(e.getMessage().contains("NATIVE"), e.getMessage());
        assertTrue(e.getMessage().contains("hello"), "lists the known names: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GuestImages.load(Flavor.PV, "../native/hello"));
        assertThrows(IllegalArgumentException.class, () -> GuestImages.load(Flavor.PV, "hello.elf"));
        assertThrows(NullPointerException.class, () -> GuestImages.load(null, "hello"));
        assertThrows(NullPointerException.class, () -> GuestImages.load(Flavor.PV, null));
    }
}
