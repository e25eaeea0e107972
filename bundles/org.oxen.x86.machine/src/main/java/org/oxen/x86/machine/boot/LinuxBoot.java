package org.oxen.x86.machine.boot;

import java.nio.charset.StandardCharsets;

import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineException;

/**
 * The Linux x86 boot protocol, 32-bit entry (Documentation/arch/x86/boot.rst, "32-bit Boot
 * Protocol"), as a boot loader without a BIOS does it: the protected-mode kernel of a bzImage
 * (everything after its {@code setup_sects + 1} sectors) at {@code code32_start} (1 MiB), the
 * zero page ({@code struct boot_params}: the image's setup header copied in, type_of_loader
 * 0xFF, the command line, the initrd, an e820 map of the PC) at {@link #BOOT_PARAMS}, a GDT
 * with {@code __BOOT_CS} (0x10) and {@code __BOOT_DS} (0x18) flat, and the CPU in flat 32-bit
 * protected mode, paging and interrupts off, {@code %esi} = the zero page, {@code %ebp},
 * {@code %edi}, {@code %ebx} = 0. The initrd is the image's first module, placed page-aligned
 * as high as {@code initrd_addr_max} and RAM allow.
 */
final class LinuxBoot {

    /** The zero page, its GDT and the command line (in low memory, below the EBDA). */
    static final int BOOT_PARAMS = 0x10000, GDT = 0x11000, CMDLINE = 0x12000, CMDLINE_END = 0x1F000;
    static final int HDR_SETUP_SECTS = 0x1F1, HDR_BOOT_FLAG = 0x1FE, HDR_JUMP = 0x200, HDR_MAGIC = 0x202,
            HDR_VERSION = 0x206, HDR_TYPE_OF_LOADER = 0x210, HDR_LOADFLAGS = 0x211, HDR_CODE32_START = 0x214,
            HDR_RAMDISK_IMAGE = 0x218, HDR_RAMDISK_SIZE = 0x21C, HDR_CMD_LINE_PTR = 0x228, HDR_INITRD_ADDR_MAX = 0x22C,
            HDR_CMDLINE_SIZE = 0x238, HDR_INIT_SIZE = 0x260;
    static final int BP_E820_ENTRIES = 0x1E8, BP_E820_TABLE = 0x2D0, E820_MAX = 128;
    static final int MIN_VERSION = 0x0206;
    static final int LOADED_HIGH = 0x01;
    static final int BOOT_CS = 0x10, BOOT_DS = 0x18;

    private LinuxBoot() {
    }

    /** Whether {@code b} carries a Linux setup header ("HdrS" at 0x202, boot_flag 0xAA55). */
    static boolean isBzImage(byte[] b) {
        return b.length >= 0x264 && le32(b, HDR_MAGIC) == 0x53726448 && le16(b, HDR_BOOT_FLAG) == 0xAA55;
    }

    static void load(BootImage image, PcMemory ram, X86Cpu cpu) {
        byte[] b = image.bytes();
        String name = image.name();
        int version = le16(b, HDR_VERSION);
        if (version < MIN_VERSION) {
            throw new MachineException(String.format("%s: Linux boot protocol %d.%02d; this loader needs 2.06 or later"
                    + " (kernel 2.6.22+)", name, version >> 8, version & 0xFF));
        }
        if ((b[HDR_LOADFLAGS] & LOADED_HIGH) == 0) {
            throw new MachineException(name + ": a zImage (loaded low); only bzImage kernels (LOADED_HIGH) are supported");
        }
        int setupSects = b[HDR_SETUP_SECTS] & 0xFF;
        if (setupSects == 0) setupSects = 4;
        int pmOffset = (setupSects + 1) * 512;
        if (pmOffset >= b.length) {
            throw new MachineException(name + ": setup_sects " + setupSects + " leaves no protected-mode kernel in "
                    + b.length + " bytes");
        }
        int pmSize = b.length - pmOffset;
        long load = le32(b, HDR_CODE32_START) & 0xFFFFFFFFL;
        long initSize = version >= 0x020A ? le32(b, HDR_INIT_SIZE) & 0xFFFFFFFFL : 0;
        long kernelEnd = load + Math.max(pmSize, initSize);
        if (load < 0x100000 || kernelEnd > ram.ramSize()) {
            throw new MachineException(String.format("%s: the kernel at 0x%x needs RAM up to 0x%x (init_size 0x%x); the"
                    + " machine has 0x%x bytes", name, load, kernelEnd, initSize, ram.ramSize()));
        }
        ram.loadRam(load, b, pmOffset, pmSize);

        // ---- the zero page: zeros, then the setup header as the image has it
        ram.loadRam(BOOT_PARAMS, new byte[4096], 0, 4096);
        int hdrEnd = Math.min(HDR_JUMP + 2 + (b[HDR_JUMP + 1] & 0xFF), Math.min(b.length, 0x1000));
        ram.loadRam(BOOT_PARAMS + HDR_SETUP_SECTS, b, HDR_SETUP_SECTS, hdrEnd - HDR_SETUP_SECTS);
        ram.write8(BOOT_PARAMS + HDR_TYPE_OF_LOADER, 0xFF); // no registered boot loader id
        ram.write8(BOOT_PARAMS + HDR_LOADFLAGS, (b[HDR_LOADFLAGS] & 0xFF) & ~0x80); // no real-mode heap (CAN_USE_HEAP off)

        // ---- the command line
        byte[] cmd = image.cmdline().getBytes(StandardCharsets.UTF_8);
        long max = version >= 0x0206 ? le32(b, HDR_CMDLINE_SIZE) & 0xFFFFFFFFL : 255;
        if (cmd.length > max || CMDLINE + cmd.length + 1 > CMDLINE_END) {
            throw new MachineException(name + ": the command line (" + cmd.length + " bytes) is longer than the kernel's"
                    + " cmdline_size " + Math.min(max, CMDLINE_END - CMDLINE - 1));
        }
        ram.loadRam(CMDLINE, cmd, 0, cmd.length);
        ram.write8(CMDLINE + cmd.length, 0);
        ram.write32(BOOT_PARAMS + HDR_CMD_LINE_PTR, CMDLINE);

        // ---- the initrd: the first module, page-aligned, as high as allowed
        if (image.modules().size() > 1) {
            throw new MachineException(name + ": a Linux kernel takes one module (its initrd), not "
                    + image.modules().size());
        }
        if (!image.modules().isEmpty()) {
            byte[] initrd = image.modules().get(0).bytes();
            long limit = Math.min(ram.ramSize(), (le32(b, HDR_INITRD_ADDR_MAX) & 0xFFFFFFFFL) + 1);
            long at = (limit - initrd.length) & ~0xFFFL;
            if (at < ((kernelEnd + 0xFFF) & ~0xFFFL)) {
                throw new MachineException(String.format("initrd %s: %d bytes do not fit between the kernel's end 0x%x and"
                        + " 0x%x (initrd_addr_max, RAM)", image.modules().get(0).string(), initrd.length, kernelEnd, limit));
            }
            ram.loadRam(at, initrd, 0, initrd.length);
            ram.write32(BOOT_PARAMS + HDR_RAMDISK_IMAGE, (int) at);
            ram.write32(BOOT_PARAMS + HDR_RAMDISK_SIZE, initrd.length);
        }

        // ---- e820: the PC's memory map, as the multiboot loader reports it
        long[][] map = BootLoader.memoryMap(ram.ramSize());
        for (int i = 0; i < map.length; i++) {
            int p = BOOT_PARAMS + BP_E820_TABLE + i * 20;
            ram.write64(p, map[i][0]);
            ram.write64(p + 8, map[i][1]);
            ram.write32(p + 16, (int) map[i][2]);
        }
        ram.write8(BOOT_PARAMS + BP_E820_ENTRIES, map.length);

        // ---- GDT: null, null, __BOOT_CS, __BOOT_DS (flat 4 GiB)
        ram.write64(GDT, 0);
        ram.write64(GDT + 8, 0);
        ram.write64(GDT + BOOT_CS, 0x00CF9A000000FFFFL);
        ram.write64(GDT + BOOT_DS, 0x00CF92000000FFFFL);

        // ---- CPU: flat 32-bit protected mode through that GDT, paging and interrupts off
        CpuTestSupport.enterFlat32(cpu, 0);
        for (int v = 0; v < 32; v++) {
            cpu.setExceptionExit(v, false);
        }
        cpu.setGdt(GDT, 4 * 8 - 1);
        cpu.setSegment(X86Cpu.CS, SegmentState.flat(BOOT_CS, true, 0));
        for (int s : new int[] {X86Cpu.ES, X86Cpu.SS, X86Cpu.DS, X86Cpu.FS, X86Cpu.GS}) {
            cpu.setSegment(s, SegmentState.flat(BOOT_DS, false, 0));
        }
        cpu.setGpr(X86Cpu.ESI, BOOT_PARAMS);
        cpu.setEip((int) load);
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    private static int le16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }
}
