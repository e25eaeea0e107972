package org.oxen.vmm.core.build;

import java.util.List;

import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineException;
import org.oxen.x86.machine.boot.BootLoader;

/**
 * The HVM domain builder (libxc's xc_hvm_build without firmware): the domain's pseudo-physical
 * RAM, pfn 0 up to its memory size, gets one machine frame per page from the pool (zeroed, the
 * pool's shuffled order: never contiguous) through its P2M and the M2P; then the image is loaded
 * into that RAM by the board's own {@link BootLoader} (multiboot v1 ELF kernels, Linux bzImages
 * by the 32-bit boot protocol with the domain's ramdisk as initrd, and ROM images, exactly as the
 * bare machine loads them) and vcpu 0 starts in the loader's entry state (flat protected mode at
 * the multiboot or Linux 32-bit entry, or the reset vector for a ROM). Application
 * processors wait for INIT-STARTUP from their local APIC.
 *
 * <p>On failure it throws; the caller frees every frame the frame table says the domain owns.
 */
public final class HvmBuilder implements DomainImageBuilder {

    /** What was built, for the log. */
    public record Result(BootLoader.Kind kind, int nrPages, int entry) implements DomainImageBuilder.Built {
        @Override
        public String describe() {
            return String.format("HVM, %s image, %d pages of pseudo-physical RAM, entry 0x%x",
                    switch (kind) {
                        case MULTIBOOT -> "multiboot";
                        case LINUX -> "Linux bzImage";
                        case ROM -> "ROM";
                    }, nrPages, entry);
        }
    }

    private final FramePool pool;
    private final PcMemory memory;
    private final String imageName;
    private final byte[] ramdisk;

    /**
     * @param memory the domain's physical address space (its platform's, over its P2M)
     * @param imageName where the image came from, for messages and the multiboot command line
     * @param ramdisk a Linux kernel's initrd, or null
     */
    public HvmBuilder(FramePool pool, PcMemory memory, String imageName, byte[] ramdisk) {
        this.pool = pool;
        this.memory = memory;
        this.imageName = imageName;
        this.ramdisk = ramdisk;
    }

    @Override
    public Result build(DomainImpl d, byte[] image, String cmdline, int nrPages) throws DomainBuildException {
        BootImage boot = new BootImage(imageName, image, cmdline,
                ramdisk == null ? List.of() : List.of(new BootImage.Module("ramdisk", ramdisk)));
        BootLoader.Kind kind;
        try {
            kind = BootLoader.kind(boot);
        } catch (MachineException e) {
            throw new DomainBuildException(e.getMessage(), e);
        }
        if (ramdisk != null && kind != BootLoader.Kind.LINUX) {
            throw new DomainBuildException(imageName + ": a ramdisk is given, but the kernel is not a Linux bzImage (a "
                    + kind.name().toLowerCase() + " image)");
        }
        if ((long) nrPages << 12 != memory.ramSize()) {
            throw new IllegalStateException("platform RAM " + memory.ramSize() + " bytes for " + nrPages + " pages");
        }
        DomainMemory dm = d.memory();
        synchronized (pool) {
            if (pool.freeFrames() < nrPages) {
                throw new DomainBuildException("out of machine memory: the domain needs " + nrPages
                        + " frames and " + pool.freeFrames() + " are free");
            }
            for (int pfn = 0; pfn < nrPages; pfn++) {
                int mfn = pool.alloc(d.id());
                if (mfn < 0) {
                    throw new DomainBuildException("out of machine memory at pfn " + pfn);
                }
                dm.setP2m(pool, pfn, mfn);
            }
            dm.adjustTotPages(nrPages);
        }
        VcpuImpl v0 = d.vcpu(0);
        try {
            if (kind == BootLoader.Kind.MULTIBOOT) {
                BootLoader.loadMultiboot(boot, memory, v0.cpu());
            } else if (kind == BootLoader.Kind.LINUX) {
                BootLoader.loadLinux(boot, memory, v0.cpu());
            } else {
                BootLoader.loadRom(boot, memory);
            }
        } catch (MachineException e) {
            throw new DomainBuildException(e.getMessage(), e);
        }
        v0.setInitialised();
        v0.setOnline(true);
        return new Result(kind, nrPages, v0.cpu().eip());
    }
}
