package org.oxen.vmm.core.build;

import java.util.List;

import org.oxen.vmm.abi.Hvm;
import org.oxen.vmm.abi.Rings;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.core.arch.hvm.HvmParams;
import org.oxen.vmm.core.arch.hvm.HvmPlatform;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineDescription;
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

    /** libxc's special pages of an HVM domain (xc_dom_x86.c special_pfn): the xenstore and console rings. */
    public static final int STORE_PFN = Hvm.specialPfn(Hvm.SPECIALPAGE_XENSTORE);
    public static final int CONSOLE_PFN = Hvm.specialPfn(Hvm.SPECIALPAGE_CONSOLE);

    private final FramePool pool;
    private final PageTables pageTables;
    private final HvmPlatform platform;
    private final PcMemory memory;
    private final String imageName;
    private final byte[] ramdisk;

    /**
     * @param platform the domain's PC (its physical address space over its P2M, its HVM parameters)
     * @param imageName where the image came from, for messages and the multiboot command line
     * @param ramdisk a Linux kernel's initrd, or null
     */
    public HvmBuilder(FramePool pool, PageTables pageTables, HvmPlatform platform, String imageName, byte[] ramdisk) {
        this.pool = pool;
        this.pageTables = pageTables;
        this.platform = platform;
        this.memory = platform.memory();
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
        xenPages(d);
        VcpuImpl v0 = d.vcpu(0);
        try {
            if (kind == BootLoader.Kind.MULTIBOOT) {
                BootLoader.loadMultiboot(boot, memory, v0.cpu());
                BootLoader.writeMpTable(memory, v0.cpu(), d.vcpus().size());
                BootLoader.writeAcpiTables(memory, d.vcpus().size(), MachineDescription.pc().acpiPmPort());
            } else if (kind == BootLoader.Kind.LINUX) {
                BootLoader.loadLinux(boot, memory, v0.cpu());
                BootLoader.writeMpTable(memory, v0.cpu(), d.vcpus().size());
                BootLoader.writeAcpiTables(memory, d.vcpus().size(), MachineDescription.pc().acpiPmPort());
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

    /**
     * What Xen and libxl give every HVM domain besides its RAM: shared_info (a frame of the
     * domain outside its physmap until the guest maps it with add_to_physmap; vcpu_info and the
     * event channels live in it, zeroed, so upcalls are unmasked as Xen leaves an HVM domain's),
     * and libxc's alloc_magic_pages_hvm: the xenstore and console pages at their special pfns with
     * their ports allocated unbound for Domain-0 (store first, as libxl), named in the HVM
     * parameters STORE_PFN/EVTCHN and CONSOLE_PFN/EVTCHN. The console page starts DISCONNECTED
     * (console.h): an HVM domain's console is its COM1.
     */
    private void xenPages(DomainImpl d) throws DomainBuildException {
        DomainMemory dm = d.memory();
        int sharedInfo, store, console;
        synchronized (pool) {
            if (pool.freeFrames() < 3) {
                throw new DomainBuildException("out of machine memory for shared_info and the xenstore and console pages");
            }
            sharedInfo = pool.alloc(d.id());
            store = pool.alloc(d.id());
            console = pool.alloc(d.id());
            pageTables.shareXenPage(sharedInfo, dm); // the hypervisor writes it: never a page table
            dm.hvmPhysmapSet(pool, STORE_PFN, store);
            dm.hvmPhysmapSet(pool, CONSOLE_PFN, console);
            dm.adjustTotPages(2); // populated special pages count, shared_info does not (Xen's xenheap page)
        }
        dm.addExtra(sharedInfo);
        d.setSharedInfoMfn(sharedInfo);
        pool.ram().write8(((long) console << 12) + Rings.CONS_CONNECTION, Rings.XENCONSOLE_DISCONNECTED);
        platform.setSpecialPages(store, console);
        int storePort = d.events().allocUnbound(0, null);
        int consolePort = d.events().allocUnbound(0, null);
        if (storePort < 0 || consolePort < 0) {
            throw new DomainBuildException("cannot allocate the xenstore and console event channels: " + storePort
                    + ", " + consolePort);
        }
        d.setStore(store, storePort);
        HvmParams params = platform.params();
        params.init(Hvm.HVM_PARAM_STORE_PFN, STORE_PFN);
        params.init(Hvm.HVM_PARAM_STORE_EVTCHN, storePort);
        params.init(Hvm.HVM_PARAM_CONSOLE_PFN, CONSOLE_PFN);
        params.init(Hvm.HVM_PARAM_CONSOLE_EVTCHN, consolePort);
    }
}
