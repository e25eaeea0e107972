package org.oxen.x86.machine.boot;

import java.nio.charset.StandardCharsets;

import org.oxen.elf.Elf32;
import org.oxen.elf.ElfException;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineException;

/**
 * Recognizes and loads boot images into a {@link PcMemory} (the bare machine's RAM, or an HVM
 * domain's pseudo-physical memory): multiboot v1 ELF32 kernels (Multiboot Specification
 * 0.6.96, sections 3.1-3.3) and BIOS-less ROMs.
 *
 * <p>Multiboot: PT_LOAD segments by physical address, the boot information at {@link #INFO}
 * (mem_lower/mem_upper, command line, modules, memory map, boot loader name), modules
 * page-aligned after the kernel, CPU in flat 32-bit protected mode with paging and
 * interrupts off, EAX = 0x2BADB002, EBX = the information's address.
 */
public final class BootLoader {

    public static final int MULTIBOOT_MAGIC = 0x1BADB002;
    public static final int MULTIBOOT_EAX = 0x2BADB002;
    /** Where the boot information and its strings and tables go (below the EBDA, above the IVT/BDA). */
    public static final int INFO = 0x9000, INFO_END = 0x9F000;
    /** Start of the EBDA / top of conventional memory as reported (639 KiB: 0x9FC00). */
    public static final int LOWER_TOP = 0x9FC00;

    /** What a boot image is. */
    public enum Kind { MULTIBOOT, ROM, LINUX }

    private BootLoader() {
    }

    /** What {@code image} is, or a MachineException naming the file and what was expected. */
    public static Kind kind(BootImage image) {
        byte[] b = image.bytes();
        if (Elf32.hasMagic(b)) {
            Elf32 elf;
            try {
                elf = Elf32.parse(b);
            } catch (ElfException e) {
                throw new MachineException(image.name() + ": " + e.getMessage() + " (expected a multiboot v1 ELF32 kernel)");
            }
            if (elf.machine() != Elf32.EM_386) {
                throw new MachineException(image.name() + ": an ELF file, but not a 32-bit little-endian i386 ELF"
                        + " (expected a multiboot v1 ELF32 kernel)");
            }
            if (multibootHeader(b) < 0) {
                throw new MachineException(image.name() + ": an i386 ELF without a multiboot header (magic 0x1badb002 with a valid"
                        + " checksum in its first 8 KiB); expected a multiboot v1 kernel");
            }
            return Kind.MULTIBOOT;
        }
        if (LinuxBoot.isBzImage(b)) {
            return Kind.LINUX;
        }
        if (b.length > 0 && b.length % 4096 == 0 && b.length <= 128 * 1024) {
            return Kind.ROM;
        }
        throw new MachineException(image.name() + ": neither a multiboot ELF kernel, a Linux bzImage nor a ROM (expected an"
                + " i386 ELF with a multiboot v1 header, a bzImage with a Linux setup header, or a raw ROM of 4-128 KiB in"
                + " 4 KiB multiples; got " + b.length + " bytes"
                + (b.length >= 4 ? String.format(" starting %02x %02x %02x %02x", b[0], b[1], b[2], b[3]) : "") + ")");
    }

    /** Offset of a valid multiboot header in the first 8 KiB, or -1. */
    public static int multibootHeader(byte[] b) {
        for (int off = 0; off + 12 <= Math.min(b.length, 8192); off += 4) {
            if (le32(b, off) == MULTIBOOT_MAGIC && MULTIBOOT_MAGIC + le32(b, off + 4) + le32(b, off + 8) == 0) {
                return off;
            }
        }
        return -1;
    }

    /** Zeros, a page's worth, the source of {@link #zeroRam}'s copies (never written). */
    private static final byte[] ZEROS = new byte[4096];

    /**
     * Zeroes {@code len} bytes of RAM from {@code address} (a segment's p_memsz beyond its
     * p_filesz: the BSS) as its file part is loaded, by {@link PcMemory#loadRam} a page at a time:
     * x86bench's 172 KiB BSS written a byte at a time through {@code write8}, interpreted, was
     * ~0.02 s of a machine job's CPU (docs/PERFORMANCE.md, "Start-up cut III"). Like the file
     * part, the BSS goes to RAM, not to a device window or the ROM over it.
     */
    static void zeroRam(PcMemory ram, long address, long len) {
        while (len > 0) {
            int n = (int) Math.min(len, ZEROS.length);
            ram.loadRam(address, ZEROS, 0, n);
            address += n;
            len -= n;
        }
    }

    /**
     * Loads a multiboot kernel into the RAM of {@code ram} and puts {@code cpu} in the entry state.
     *
     * @throws MachineException if a segment lies outside RAM or the header asks for what is not supported
     */
    public static void loadMultiboot(BootImage image, PcMemory ram, X86Cpu cpu) {
        byte[] b = image.bytes();
        String name = image.name();
        int hdr = multibootHeader(b);
        int flags = le32(b, hdr + 4);
        int unsupported = flags & 0xFFFF & ~0x3; // bit 0 page-align modules, bit 1 memory info; bit 2 (video) optional
        if ((unsupported & ~0x4) != 0) {
            throw new MachineException(String.format("%s: multiboot header flags 0x%x require features this loader lacks"
                    + " (supported: 0 module alignment, 1 memory information)", name, flags));
        }
        Elf32 elf;
        try {
            elf = Elf32.parse(b);
        } catch (ElfException e) {
            throw new MachineException(name + ": " + e.getMessage());
        }
        int entry = (int) elf.entry();
        long top = 0;
        int seg = 0;
        for (Elf32.ProgramHeader ph : elf.programHeaders()) {
            int index = seg++;
            if (ph.type() != Elf32.PT_LOAD) {
                continue;
            }
            long off = ph.offset(), paddr = ph.paddr(), filesz = ph.filesz(), memsz = ph.memsz();
            if (memsz < filesz) {
                throw new MachineException(name + ": segment " + index + " has p_memsz < p_filesz");
            }
            if (paddr + memsz > ram.ramSize() || paddr < 0x1000) {
                throw new MachineException(String.format("%s: segment %d at 0x%x-0x%x does not fit the machine's RAM"
                        + " (0x1000-0x%x)", name, index, paddr, paddr + memsz, ram.ramSize()));
            }
            ram.loadRam(paddr, b, (int) off, (int) filesz);
            zeroRam(ram, paddr + filesz, memsz - filesz);
            top = Math.max(top, paddr + memsz);
        }
        if (top == 0) {
            throw new MachineException(name + ": no loadable segment");
        }

        // ---- boot information ----
        Alloc low = new Alloc(INFO + 0x100, INFO_END);
        for (int k = 0; k < 0x100; k += 4) {
            ram.write32(INFO + k, 0);
        }
        int infoFlags = 0x1 | 0x4 | 0x40 | 0x200; // mem, cmdline, mmap, boot loader name
        ram.write32(INFO + 4, LOWER_TOP / 1024);                       // mem_lower (KiB)
        ram.write32(INFO + 8, (int) ((ram.ramSize() - 0x100000) / 1024)); // mem_upper (KiB above 1 MiB)
        ram.write32(INFO + 16, string(ram, low, image.name().replaceAll(".*/", "") + (image.cmdline().isEmpty() ? "" : " " + image.cmdline())));
        // memory map: entries of size(4) base(8) length(8) type(4)
        long[][] map = memoryMap(ram.ramSize());
        int mmap = low.take(map.length * 24, 4);
        for (int i = 0; i < map.length; i++) {
            int p = mmap + i * 24;
            ram.write32(p, 20);
            ram.write64(p + 4, map[i][0]);
            ram.write64(p + 12, map[i][1]);
            ram.write32(p + 20, (int) map[i][2]);
        }
        ram.write32(INFO + 44, map.length * 24);
        ram.write32(INFO + 48, mmap);
        ram.write32(INFO + 64, string(ram, low, "oxen"));
        // modules, page-aligned after the kernel
        if (!image.modules().isEmpty()) {
            infoFlags |= 0x8;
            int list = low.take(image.modules().size() * 16, 4);
            long next = (top + 0xFFF) & ~0xFFFL;
            for (int i = 0; i < image.modules().size(); i++) {
                BootImage.Module m = image.modules().get(i);
                if (next + m.bytes().length > ram.ramSize()) {
                    throw new MachineException(String.format("module %s: %d bytes at 0x%x do not fit the machine's RAM (%d MiB)",
                            m.string(), m.bytes().length, next, ram.ramSize() >> 20));
                }
                ram.loadRam(next, m.bytes(), 0, m.bytes().length);
                ram.write32(list + i * 16, (int) next);
                ram.write32(list + i * 16 + 4, (int) (next + m.bytes().length));
                ram.write32(list + i * 16 + 8, string(ram, low, m.string()));
                next = (next + m.bytes().length + 0xFFF) & ~0xFFFL;
            }
            ram.write32(INFO + 20, image.modules().size());
            ram.write32(INFO + 24, list);
        }
        ram.write32(INFO, infoFlags);

        // ---- CPU: flat 32-bit protected mode, paging and interrupts off ----
        CpuTestSupport.enterFlat32(cpu, 0);
        for (int v = 0; v < 32; v++) {
            cpu.setExceptionExit(v, false);
        }
        cpu.setGpr(X86Cpu.EAX, MULTIBOOT_EAX);
        cpu.setGpr(X86Cpu.EBX, INFO);
        cpu.setEip(entry);
    }

    /**
     * The PC's memory map as both boot protocols report it (multiboot mmap, Linux e820): {base,
     * length, type} with type 1 RAM and 2 reserved: conventional memory, the EBDA, the BIOS
     * area, RAM above 1 MiB, the I/O APIC and local APIC pages.
     */
    static long[][] memoryMap(long ramSize) {
        return new long[][] {
            {0, LOWER_TOP, 1},
            {LOWER_TOP, 0xA0000 - LOWER_TOP, 2},
            {0xF0000, 0x10000, 2},
            {0x100000, ramSize - 0x100000, 1},
            {0xFEC00000L, 0x1000, 2},
            {0xFEE00000L, 0x1000, 2},
        };
    }

    /**
     * Loads a Linux bzImage by the 32-bit boot protocol (its first module is the initrd) and
     * puts {@code cpu} in the 32-bit entry state; see {@link LinuxBoot}.
     *
     * @throws MachineException if the image's protocol is too old, or kernel, command line or
     *     initrd do not fit
     */
    public static void loadLinux(BootImage image, PcMemory ram, X86Cpu cpu) {
        LinuxBoot.load(image, ram, cpu);
    }

    /**
     * Writes the firmware's MP tables ({@link MpTable}: Intel MP spec 1.4, in the EBDA) for a
     * PC with {@code cpus} CPUs whose local APIC IDs are their indexes, as CPU {@code bsp}'s
     * CPUID describes them. A loader that is not a ROM leaves them beside the kernel, as a BIOS
     * would have. Only the first 15 CPUs are described (the I/O APIC's ID follows theirs in
     * its 4-bit register).
     */
    public static void writeMpTable(PcMemory ram, X86Cpu bsp, int cpus) {
        int[] leaf1 = new int[4];
        bsp.cpuidModel().query(1, 0, leaf1);
        MpTable.write(ram, cpus, leaf1[0], leaf1[3]);
    }

    /**
     * Writes the firmware's ACPI tables ({@link AcpiTables}: RSDP in the BIOS area at 0xF0000,
     * RSDT, XSDT, FADT, FACS, MADT, DSDT) for a PC with {@code cpus} CPUs (local APIC ID = index,
     * the first 15) whose ACPI PM registers are at port {@code pmPort}
     * ({@code MachineDescription.acpiPmPort()}); nothing if {@code pmPort} is negative (a board
     * without ACPI hardware: the OS finds its CPUs through the MP table).
     *
     * @return the RSDP's address, or -1 if nothing was written
     */
    public static int writeAcpiTables(PcMemory ram, int cpus, int pmPort) {
        return pmPort < 0 ? -1 : AcpiTables.write(ram, cpus, pmPort).rsdp();
    }

    /** Maps a ROM image: the CPU starts at the reset vector (its power-on state). */
    public static void loadRom(BootImage image, PcMemory memory) {
        memory.mapRom(image.bytes());
    }

    private static int string(PcMemory ram, Alloc a, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int p = a.take(bytes.length + 1, 1);
        ram.loadRam(p, bytes, 0, bytes.length);
        ram.write8(p + bytes.length, 0);
        return p;
    }

    /** A bump allocator over the boot-information area. */
    private static final class Alloc {
        int next;
        final int end;

        Alloc(int start, int end) {
            this.next = start;
            this.end = end;
        }

        int take(int n, int align) {
            int p = (next + align - 1) & -align;
            if (p + n > end) {
                throw new MachineException("the multiboot information (command line, modules) does not fit below 0x"
                        + Integer.toHexString(end));
            }
            next = p + n;
            return p;
        }
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }
}
