package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * An HVM domain's grants by GFN, as a backend in Domain-0 meets an HVM guest's PV frontend: the
 * kit's hvmgrant maps its grant frame into its physmap and grants pages by guest frame number;
 * Domain-0's GrantTables (what blkback and netback use) maps the read-write grant and finds the
 * page's data (the frame through the granter's P2M), writes through it, maps the read-only one
 * read-only only, and gets GNTST_bad_page for a grant of a hole and of a never-populated GFN.
 * While the page is mapped the guest cannot balloon it out; once unmapped it can.
 */
class HvmGrantTest {

    @Test
    void domain0MapsAnHvmGuestsGrantsByGfnAndHolesMapNothing() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(128L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Domain d = vmm.create(HvmDomainTest.hvm("grants", "hvmgrant", 16, "").maxMemoryMiB(17).build());
            Pattern ready = Pattern.compile("hvmgrant: ready rw=8 ro=9 hole=10 far=11 gfn=0x([0-9a-f]+)");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Matcher m;
            while (!(m = ready.matcher(d.consoleOutput())).find()) {
                assertTrue(System.nanoTime() < end && !d.awaitShutdown(0, TimeUnit.SECONDS),
                        d.consoleOutput() + String.join("\n", vmm.dmesg()));
                Thread.sleep(20);
            }
            int gfn = Integer.parseInt(m.group(1), 16);
            GrantTables g = vmm.grantTables();
            GrantMapping rw = g.map(d.id(), 8, false);
            byte[] head = new byte[13];
            rw.page().get(0, head, 0, head.length);
            assertEquals("hvmgrant page", new String(head, StandardCharsets.US_ASCII), "the granted GFN's page");
            assertEquals(5 * 0x01010101 ^ 0x5a5a0000, rw.page().getInt(5 * 4));
            assertEquals(gfn, vmm.pool().m2pGet(((DomainImpl) d).memory().p2m(gfn)), "the M2P names the GFN");

            try (GrantMapping ro = g.map(d.id(), 9, true)) {
                assertEquals(~(5 * 0x01010101 ^ 0x5a5a0000), ro.page().getInt(5 * 4));
                assertFalse(ro.page().writable());
            }
            assertThrows(GrantException.class, () -> g.map(d.id(), 9, false), "a read-only grant mapped writable");
            GrantException hole = assertThrows(GrantException.class, () -> g.map(d.id(), 10, true));
            assertEquals(org.oxen.vmm.abi.GrantTable.GNTST_BAD_PAGE, hole.status(), "GNTST_bad_page for a hole: " + hole.getMessage());
            GrantException far = assertThrows(GrantException.class, () -> g.map(d.id(), 11, true));
            assertEquals(org.oxen.vmm.abi.GrantTable.GNTST_BAD_PAGE, far.status(), "GNTST_bad_page for a GFN without a frame: " + far.getMessage());

            rw.page().putInt(1023 * 4, 0xd0d0d0d0);
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (rw.page().getIntAcquire(1022 * 4) != 0xacce55ed) {
                assertTrue(System.nanoTime() < end && !d.awaitShutdown(0, TimeUnit.SECONDS),
                        d.consoleOutput() + String.join("\n", vmm.dmesg()));
                Thread.sleep(5);
            }
            assertTrue(d.consoleOutput().contains("hvmgrant: Domain-0 wrote through ref 8; the mapped page was not given back"),
                    d.consoleOutput());
            rw.unmap();
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
            String out = d.consoleOutput();
            assertTrue(out.contains("hvmgrant: unmapped and given back") && out.strip().endsWith("RESULT: PASS"), out);
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            assertEquals(-1, ((DomainImpl) d).memory().p2m(gfn), "the page given back after the unmap is a hole");
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
        } finally {
            vmm.shutdown();
        }
    }
}
