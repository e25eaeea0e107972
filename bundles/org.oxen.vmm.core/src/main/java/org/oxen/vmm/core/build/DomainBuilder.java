package org.oxen.vmm.core.build;

import java.nio.charset.StandardCharsets;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Rings;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.abi.StartInfo;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.api.PvConsoleRing;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The PV domain builder (libxc's xc_dom_* for x86_32 PAE): loads an ELF32 kernel with Xen
 * notes and lays out the start of day exactly as xen.h's start_info comment says.
 *
 * <p>One contiguous virtual region from {@code virt_base}, 1:1 with pseudo-physical frames:
 * kernel, p2m list (mfn_list), start_info, xenstore page, console page, boot page tables (L3,
 * L2s, L1s, all mapped read-only), boot stack; ending on a 4 MiB boundary with at least 512 KiB
 * of padding. The L3 is validated and pinned before the guest runs, and CR3 holds it.
 *
 * <p>The console (xc_dom_alloc_console / libxl's console port): the console page of the region,
 * its {@code connection} flag DISCONNECTED until a backend connects, and a port of the guest's
 * allocated unbound for Domain-0 (EVTCHNOP_alloc_unbound(domid, 0) as libxl does), both in
 * start_info's {@code console.domU} and in {@link DomainImpl#consoleRing()} for the backend.
 *
 * <p>The builder allocates; on failure the caller releases every frame of the domain (the
 * frame table knows them by owner), so nothing leaks.
 */
public final class DomainBuilder implements DomainImageBuilder {

    /** The result: where things are, for the log and tests. */
    public record Layout(long virtBase, long kernelStart, long kernelEnd, long p2mVirt, long startInfoVirt,
            long ptBase, int nrPtFrames, long stackTop, long regionEnd, long entry, long hypercallPage)
            implements DomainImageBuilder.Built {
        @Override
        public String describe() {
            return String.format("kernel [0x%x,0x%x) entry 0x%x, start_info 0x%x, pt_base 0x%x (%d frames), stack 0x%x,"
                    + " region end 0x%x", kernelStart, kernelEnd, entry, startInfoVirt, ptBase, nrPtFrames, stackTop,
                    regionEnd);
        }
    }

    private static final long HV_START = Xen.HYPERVISOR_VIRT_START & 0xFFFFFFFFL;
    private static final long L1_PROT = Xen.PTE_P | Xen.PTE_RW | Xen.PTE_A;
    private static final long L1_PROT_RO = Xen.PTE_P | Xen.PTE_A;
    private static final long L2_PROT = Xen.PTE_P | Xen.PTE_RW | Xen.PTE_A | Xen.PTE_D | Xen.PTE_US;
    private static final long L3_PROT = Xen.PTE_P;

    private final FramePool pool;
    private final PageTables pt;
    private final Ram ram;

    public DomainBuilder(PageTables pt) {
        this.pt = pt;
        this.pool = pt.pool();
        this.ram = pool.ram();
    }

    @Override
    public Layout build(DomainImpl d, byte[] image, String cmdline, int nrPages) throws DomainBuildException {
        ElfImage elf = ElfImage.parse(image);
        XenNotes notes = XenNotes.from(elf);
        checkNotes(notes);
        if (notes.required.contains("writable_page_tables")) {
            // a kernel that requires the feature writes its L1 entries from its first instruction
            d.vmAssist |= 1 << Xen.VMASST_TYPE_WRITABLE_PAGETABLES;
        }

        long virtBase = notes.virtBase != null ? notes.virtBase : 0;
        long paddrOffset = notes.paddrOffset != null ? notes.paddrOffset : virtBase;
        long entry = notes.entry != null ? notes.entry : elf.entry();
        long kstart = Long.MAX_VALUE, kend = 0;
        for (ElfImage.Segment s : elf.segments()) {
            long va = s.paddr() - paddrOffset + virtBase;
            kstart = Math.min(kstart, va);
            kend = Math.max(kend, va + s.memsz());
        }
        // XEN_ELFNOTE_BSD_SYMTAB: the symbol table follows the kernel (elf_xen_addr_calc_check)
        BsdSymtab symtab = notes.bsdSymtab ? BsdSymtab.find(image) : null;
        long symtabVirt = BsdSymtab.round4(kend);
        if (symtab != null) kend = symtabVirt + symtab.bytes();
        kstart &= ~0xFFFL;
        kend = (kend + 0xFFF) & ~0xFFFL;
        if (kstart < virtBase) {
            throw new DomainBuildException(String.format("kernel starts at 0x%x, below its VIRT_BASE 0x%x", kstart,
                    virtBase));
        }
        if (entry < kstart || entry >= kend) {
            throw new DomainBuildException(String.format("entry point 0x%x lies outside the kernel [0x%x, 0x%x)",
                    entry, kstart, kend));
        }
        if (notes.hypercallPage != null
                && (notes.hypercallPage < kstart || notes.hypercallPage >= kend || (notes.hypercallPage & 0xFFF) != 0)) {
            throw new DomainBuildException(String.format("hypercall page 0x%x is not a page of the kernel",
                    notes.hypercallPage));
        }

        // ---- the start-of-day region ----
        long p2mVirt = kend;
        long p2mPages = ((long) nrPages * 4 + 0xFFF) >>> 12;
        long startInfo = p2mVirt + p2mPages * 4096;
        long store = startInfo + 4096;
        long consoleV = store + 4096;
        long ptBase = consoleV + 4096;
        int nrPt = 1;
        long stack, end;
        for (;;) {
            stack = ptBase + nrPt * 4096L;
            end = roundUp(stack + 4096 + 512 * 1024, 4 << 20);
            int need = 1 + l2Count(virtBase, end) + (int) ((roundUp(end, 2 << 20) - (virtBase & ~0x1FFFFFL)) >>> 21);
            if (need <= nrPt) break;
            nrPt = need;
        }
        long regionPages = (end - virtBase) >>> 12;
        if (end > HV_START) {
            throw new DomainBuildException(String.format(
                    "the start-of-day region [0x%x, 0x%x) reaches into the hypervisor hole at 0x%x", virtBase, end,
                    Xen.HYPERVISOR_VIRT_START));
        }
        if (regionPages > nrPages) {
            throw new DomainBuildException("memory too small: the kernel and its start-of-day region need "
                    + (regionPages * 4 / 1024) + " MiB, the domain has " + (nrPages * 4L / 1024) + " MiB");
        }

        // ---- machine frames ----
        DomainMemory dm = d.memory();
        for (int pfn = 0; pfn < nrPages; pfn++) {
            int mfn = pool.alloc(d.id());
            if (mfn < 0) {
                throw new DomainBuildException("out of machine memory: " + nrPages + " pages wanted, "
                        + pfn + " found (" + pool.freeFrames() + " free)");
            }
            dm.setP2m(pool, pfn, mfn);
            dm.adjustTotPages(1);
        }
        int sharedInfo = allocateHypervisorFrames(pool, pt, d);

        // ---- kernel ----
        byte[] f = elf.file();
        for (ElfImage.Segment s : elf.segments()) {
            long va = s.paddr() - paddrOffset + virtBase;
            for (int i = 0; i < s.filesz(); i++) {
                long v = va + i;
                ram.write8(maddr(dm, virtBase, v), f[s.offset() + i]);
            }
        }
        if (symtab != null) {
            byte[] sym = symtab.image();
            for (int i = 0; i < sym.length; i++) {
                ram.write8(maddr(dm, virtBase, symtabVirt + i), sym[i]);
            }
        }
        // ---- p2m list ----
        for (int pfn = 0; pfn < nrPages; pfn++) {
            ram.write32(maddr(dm, virtBase, p2mVirt + pfn * 4L), dm.p2m(pfn));
        }
        // ---- page tables: L3, L2s (for each L3 slot the region covers, and slot 3), L1s ----
        int ptPfn = (int) ((ptBase - virtBase) >>> 12);
        int l3 = dm.p2m(ptPfn);
        int nextPt = ptPfn + 1;
        int[] l2ForSlot = new int[4];
        for (int slot = 0; slot < 4; slot++) {
            l2ForSlot[slot] = -1;
            long lo = (long) slot << 30, hi = lo + (1L << 30);
            if ((virtBase < hi && end > lo) || slot == 3) {
                l2ForSlot[slot] = dm.p2m(nextPt++);
                ram.write64(((long) l3 << 12) + slot * 8L, ((long) l2ForSlot[slot] << 12) | L3_PROT);
            }
        }
        long ptEnd = ptBase + nrPt * 4096L;
        for (long va = virtBase & ~0x1FFFFFL; va < end; va += 2 << 20) {
            int l1 = dm.p2m(nextPt++);
            int l2 = l2ForSlot[(int) (va >>> 30)];
            ram.write64(((long) l2 << 12) + ((va >>> 21) & 511) * 8, ((long) l1 << 12) | L2_PROT);
            for (int i = 0; i < 512; i++) {
                long page = va + i * 4096L;
                if (page < virtBase || page >= end) continue;
                int mfn = dm.p2m((int) ((page - virtBase) >>> 12));
                boolean ro = page >= ptBase && page < ptEnd;
                ram.write64(((long) l1 << 12) + i * 8L, ((long) mfn << 12) | (ro ? L1_PROT_RO : L1_PROT));
            }
        }
        if (nextPt - ptPfn > nrPt) {
            throw new IllegalStateException("page-table frame count miscomputed");
        }
        synchronized (pool) {
            int rc = pt.getPageAndType(l3, PageType.L3, dm);
            if (rc != 0) {
                throw new IllegalStateException("boot page tables do not validate: " + rc);
            }
            pool.markPinned(l3);
            rc = pt.getPageAndType(l3, PageType.L3, dm);
            if (rc != 0) {
                throw new IllegalStateException("boot L3 reference failed: " + rc);
            }
        }

        // ---- shared_info, start_info, hypercall page ----
        long si = (long) sharedInfo << 12;
        for (int v = 0; v < Xen.LEGACY_MAX_VCPUS; v++) {
            ram.write8(si + SharedInfo.vcpuInfo(v) + SharedInfo.VI_UPCALL_MASK, 1);
        }
        ram.write32(si + SharedInfo.ARCH_MAX_PFN, nrPages);
        long st = maddr(dm, virtBase, startInfo);
        byte[] magic = StartInfo.MAGIC.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < magic.length; i++) ram.write8(st + i, magic[i]);
        ram.write32(st + StartInfo.NR_PAGES, nrPages);
        ram.write32(st + StartInfo.SHARED_INFO, (int) si);
        ram.write32(st + StartInfo.FLAGS, 0);
        // xc_dom_boot / libxl: the store page is a page of the guest's own memory, the store
        // event channel a port of the guest's allocated unbound for the store domain (Domain-0)
        int storeMfn = dm.p2m((int) ((store - virtBase) >>> 12));
        int storePort = d.events().allocUnbound(0, null);
        if (storePort < 0) {
            throw new DomainBuildException("cannot allocate the xenstore event channel: " + storePort);
        }
        d.setStore(storeMfn, storePort);
        ram.write32(st + StartInfo.STORE_MFN, storeMfn);
        ram.write32(st + StartInfo.STORE_EVTCHN, storePort);
        int consoleMfn = dm.p2m((int) ((consoleV - virtBase) >>> 12));
        int consolePort = d.events().allocUnbound(0, null);
        if (consolePort < 0) {
            throw new IllegalStateException("no event channel for the console: " + consolePort);
        }
        // xc_dom's console page (zeroed by the allocator): the console backend connects after
        // the guest starts, so the ring starts DISCONNECTED until it has mapped it (console.h)
        ram.write8(((long) consoleMfn << 12) + Rings.CONS_CONNECTION, Rings.XENCONSOLE_DISCONNECTED);
        ram.write32(st + StartInfo.CONSOLE_MFN, consoleMfn);
        ram.write32(st + StartInfo.CONSOLE_EVTCHN, consolePort);
        d.setConsoleRing(new PvConsoleRing(consoleMfn, consolePort));
        ram.write32(st + StartInfo.PT_BASE, (int) ptBase);
        ram.write32(st + StartInfo.NR_PT_FRAMES, nrPt);
        ram.write32(st + StartInfo.MFN_LIST, (int) p2mVirt);
        byte[] cl = cmdline.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < Math.min(cl.length, StartInfo.MAX_GUEST_CMDLINE - 1); i++) {
            ram.write8(st + StartInfo.CMD_LINE + i, cl[i]);
        }
        if (notes.hypercallPage != null) {
            writeHypercallPage(maddr(dm, virtBase, notes.hypercallPage));
        }

        // ---- vcpu 0 ----
        VcpuImpl v0 = d.vcpu(0);
        X86Cpu cpu = v0.cpu();
        PvVcpu.of(v0).setBaseL3(l3);
        PvVcpu.of(v0).loadCr3();
        cpu.setGpr(X86Cpu.ESI, (int) startInfo);
        cpu.setGpr(X86Cpu.ESP, (int) (stack + 4096));
        cpu.setEip((int) entry);
        enterKernelMode(cpu);
        v0.setInitialised();
        v0.setOnline(true);
        for (int i = 0; i < d.vcpuCount(); i++) {
            PvVcpu.of(d.vcpu(i)).mapGdt();
        }

        return new Layout(virtBase, kstart, kend, p2mVirt, startInfo, ptBase, nrPt, stack + 4096, end, entry,
                notes.hypercallPage == null ? -1 : notes.hypercallPage);
    }

    /**
     * The frames every PV domain has beside its memory (arch_domain_create): shared_info below
     * 4 GiB (start_info carries its machine address in 32 bits: MEMF_bits(32)) with its
     * permanent writable type, the per-domain area's L1s, and the low copies of each vcpu's L3
     * when machine memory reaches above 4 GiB. Returns shared_info's frame. Used by this builder
     * and the restore.
     */
    public static int allocateHypervisorFrames(FramePool pool, PageTables pt, DomainImpl d) throws DomainBuildException {
        DomainMemory dm = d.memory();
        int sharedInfo = pool.allocLow(d.id());
        int[] perdomain = new int[DomainMemory.perdomainL1sFor(d.vcpuCount())];
        boolean allocated = sharedInfo >= 0;
        for (int i = 0; i < perdomain.length; i++) {
            perdomain[i] = pool.allocXen();
            allocated &= perdomain[i] >= 0;
        }
        int[] lowL3s = new int[pool.nrFrames() > FramePool.LOW_LIMIT_FRAMES ? d.vcpuCount() : 0];
        for (int i = 0; i < lowL3s.length; i++) {
            lowL3s[i] = pool.allocXenLow();
            allocated &= lowL3s[i] >= 0;
        }
        if (!allocated) {
            for (int l1 : perdomain) {
                if (l1 >= 0) pool.freeXen(l1);
            }
            for (int l3 : lowL3s) {
                if (l3 >= 0) pool.freeXen(l3);
            }
            if (sharedInfo >= 0) pool.free(sharedInfo);
            throw new DomainBuildException("out of machine memory below 4 GiB for shared_info, or for the per-domain area");
        }
        dm.setLowL3s(lowL3s);
        dm.addExtra(sharedInfo);
        synchronized (pool) {
            // oxen writes vcpu_info (CR2, upcall mask, time) into it: never a page table (issue 24 F1)
            pt.shareXenPage(sharedInfo, dm);
        }
        dm.setPerdomainL1s(perdomain);
        d.setSharedInfoMfn(sharedInfo);
        return sharedInfo;
    }

    /** Flat ring-1 segments (Xen's reserved selectors), EFLAGS.IF. */
    public static void enterKernelMode(X86Cpu cpu) {
        cpu.setSegment(X86Cpu.CS, SegmentState.flat(Xen.FLAT_RING1_CS, true, 1));
        for (int s : new int[] {X86Cpu.DS, X86Cpu.ES, X86Cpu.FS, X86Cpu.GS, X86Cpu.SS}) {
            cpu.setSegment(s, SegmentState.flat(Xen.FLAT_RING1_DS, false, 1));
        }
        cpu.setCpl(1);
        cpu.setEflags(0x202);
    }

    private void checkNotes(XenNotes n) throws DomainBuildException {
        if (n.paeMode == null || !(n.paeMode.equals("yes") || n.paeMode.equals("bimodal")
                || n.paeMode.equals("extended-cr3"))) {
            throw new DomainBuildException("kernel is not PAE (PAE_MODE note '" + n.paeMode
                    + "'): oxen is an x86_32 PAE hypervisor (xen-3.0-x86_32p)");
        }
        if (n.loader != null && !n.loader.equals("generic")) {
            throw new DomainBuildException("unsupported LOADER note '" + n.loader + "' (only 'generic')");
        }
        if (n.xenVersion != null && !n.xenVersion.equals("xen-3.0")) {
            throw new DomainBuildException("unsupported XEN_VERSION note '" + n.xenVersion + "' (want 'xen-3.0')");
        }
        for (String f : n.required) {
            if (!XenNotes.SUPPORTED_FEATURES.contains(f)) {
                throw new DomainBuildException("kernel requires feature '" + f + "' (FEATURES note '!" + f
                        + "'), which oxen does not offer; offered: " + XenNotes.SUPPORTED_FEATURES);
            }
        }
        if (n.hvStartLow != null && n.hvStartLow < HV_START) {
            throw new DomainBuildException(String.format(
                    "kernel wants the hypervisor hole to start at 0x%x, below oxen's 0x%x", n.hvStartLow,
                    Xen.HYPERVISOR_VIRT_START));
        }
    }

    /** Xen's stubs: slot i = mov $i,%eax; int $0x82; ret. Slot 23 (iret) = push %eax; mov $23,%eax; int $0x82. */
    public void writeHypercallPage(long ma) {
        for (int i = 0; i < 128; i++) {
            long p = ma + i * (long) Hypercall.PAGE_SLOT_SIZE;
            if (i == Hypercall.IRET) {
                ram.write8(p, 0x50);
                p++;
            }
            ram.write8(p, 0xB8);
            ram.write32(p + 1, i);
            ram.write8(p + 5, 0xCD);
            ram.write8(p + 6, Hypercall.VECTOR);
            if (i != Hypercall.IRET) ram.write8(p + 7, 0xC3);
        }
    }

    private static int l2Count(long virtBase, long end) {
        int n = 0;
        for (int slot = 0; slot < 4; slot++) {
            long lo = (long) slot << 30, hi = lo + (1L << 30);
            if ((virtBase < hi && end > lo) || slot == 3) n++;
        }
        return n;
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    private static long maddr(DomainMemory dm, long virtBase, long va) {
        int pfn = (int) ((va - virtBase) >>> 12);
        return ((long) dm.p2m(pfn) << 12) | (va & 0xFFF);
    }
}
