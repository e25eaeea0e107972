package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;

/** Machine memory is committed as domains use it: a 16 MiB domain in a 1 GiB pool costs about 16 MiB. */
class MemoryCommitTest {

    @Test
    void aSmallDomainInALargePoolCommitsAboutItsOwnSize() throws Exception {
        Vmm vmm = new Vmm(1L << 30, 1);
        try {
            long base = vmm.pool().ram().committedBytes();
            // the pool itself: the M2P (4 bytes a frame) and a few Xen pages
            assertTrue(base <= (1L << 20) + (64L << 10), "an empty 1 GiB pool commits " + base);
            Domain d = vmm.create(DomainConfig.builder("commit").kernel(GuestImages.load(GuestImages.Flavor.PV,
                    "hello")).memoryMiB(16).cmdline("expect_mem_mib=16").build());
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
            assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
            long used = vmm.pool().ram().committedBytes() - base;
            assertTrue(used > 0, "the domain's pages are committed");
            assertTrue(used <= (16L << 20) + (256L << 10), "a 16 MiB domain committed " + used + " bytes");
            vmm.destroy(d.id());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
