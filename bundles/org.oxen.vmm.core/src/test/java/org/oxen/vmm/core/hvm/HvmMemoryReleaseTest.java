package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.mm.MappedFrame;
import org.oxen.x86.api.Ram;

/**
 * Session 16: host memory goes back when its owner ends, not at a GC. An HVM domain's destroy
 * gives its P2M frames back to the host (the pool decommits each freed frame; a Domain-0 mapping
 * held over it keeps a private copy, no mapping), and the
 * hypervisor's shutdown, once its pCPU threads have ended, releases machine memory as a whole;
 * a Domain-0 view still held then throws naming it. The test holds the hypervisor and its RAM
 * strongly throughout, so no Cleaner can have run: every fall measured is the owner's doing.
 */
class HvmMemoryReleaseTest {

    private static final long MIB = 1 << 20;

    @Test
    void anHvmDomainsDestroyAndTheHypervisorsShutdownGiveTheirMemoryBackAtOnce() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(192, 1);
        Ram ram = vmm.pool().ram();
        long poolBefore = ram.committedBytes();
        Domain d = vmm.create(DomainConfig.builder("big").type(DomainType.HVM)
                .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hello")).memoryMiB(64).startPaused(true).build());
        // 40 MiB of the domain's frames written through Domain-0's foreign mappings (a restore's path)
        byte[] bytes = new byte[4096];
        Arrays.fill(bytes, (byte) 0x5A);
        ForeignMapping kept = null;
        int written = 0;
        for (int mfn = 0; mfn < vmm.pool().nrFrames() && written < 10240; mfn++) {
            if (vmm.pool().owner(mfn) != d.id()) continue;
            ForeignMapping m = vmm.foreignMemory().map(d.id(), mfn);
            m.page().put(0, bytes, 0, bytes.length);
            written++;
            if (kept == null) kept = m; else m.close();
        }
        long withDomain = ram.committedBytes();
        assertTrue(withDomain - poolBefore >= 40 * MIB, "the initrd is in the domain's frames: "
                + ((withDomain - poolBefore) >> 20) + " MiB");
        // the pool's own resident bytes (mincore over its mapping): the process's VmRSS also moves
        // with whatever else the test JVM allocates or frees meanwhile (one batch run saw the
        // 40 MiB fall as 36)
        long residentWith = ram.residentBytes();

        vmm.destroy(d.id());
        assertEquals(0x5A5A5A5A, kept.page().getInt(0), "a mapping held over the destroy reads its private copy");
        long residentDestroyed = ram.residentBytes();
        assertTrue(ram.committedBytes() - poolBefore < MIB, "the domain's frames are given back: "
                + ((ram.committedBytes() - poolBefore) >> 10) + " KiB left");
        assertTrue(residentWith - residentDestroyed >= 36 * MIB, "the pool's resident memory falls at the destroy: "
                + (residentWith >> 10) + " -> " + (residentDestroyed >> 10) + " KiB");

        MappedFrame held = new MappedFrame(vmm.pool(), 5, false); // a backend's view that outlives the hypervisor
        vmm.shutdown();
        assertTrue(ram.isReleased(), "the pool is released once the pCPU threads have ended");
        assertEquals(0, ram.residentBytes(), "every page of machine memory is given back");
        assertEquals(0x5A5A5A5A, kept.page().getInt(64), "the detached copy outlives machine memory");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> held.getInt(0));
        assertTrue(e.getMessage().startsWith("the hypervisor's machine memory (192 MiB of guest RAM at 0x")
                && e.getMessage().endsWith("was released by its owner: a Domain-0 view's access at 0x5000 after the release"),
                e.getMessage());
    }
}
