package org.oxen.vmm.core.build;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.oxen.vmm.api.DomainBuildException;

/**
 * The symbol table a kernel asks for with XEN_ELFNOTE_BSD_SYMTAB ("yes"), laid out after the
 * kernel's end as libelf's elf_parse_bsdsyms / elf_load_bsdsyms (xc_dom_elfloader) do, for a
 * 32-bit image:
 *
 * <pre>
 *   start = round4(kernel end)
 *   +0    uint32 size            bytes from +4 to the end of the string table
 *   +4    Elf32_Ehdr             the kernel's, e_shoff 64, e_shnum 3, no program headers,
 *                                e_shstrndx 0, e_ehsize 52, e_shentsize 40, e_version 1
 *   +68   Elf32_Shdr[3]          0: zeros; 1: the SHT_SYMTAB's, sh_offset relative to +4,
 *                                sh_link 2; 2: its string table's, sh_offset relative to +4
 *   +260  the symbol table       (struct elf_sym_header is 260 bytes: its headers are unions
 *   ...   round4: string table    sized for ELF64)
 * </pre>
 *
 * A kernel without a symbol table gets a clear build error (libelf marks the image broken); a
 * symbol table whose sh_link is not a string table loads nothing, as libelf. oxen reserves the
 * bytes it writes (260 + tables; libelf's elf_parse_bsdsyms counts 192 bytes of headers), so the
 * kernel region ends at most 68 bytes later than Xen's before it is rounded to a page.
 */
final class BsdSymtab {

    static final int SHT_SYMTAB = 2, SHT_STRTAB = 3;
    static final int SHDR_SIZE = 40, EHDR_SIZE = 52;
    /** sizeof(struct elf_sym_header): uint32 size, a union elf_ehdr (64), 3 union elf_shdr (64 each). */
    static final int HEADER_BYTES = 4 + 64 + 3 * 64;
    /** Where the ELF header's section headers start, relative to the ELF header (offsetof section). */
    static final int SHOFF = 64;

    private final byte[] file;
    private final int symtabShdr, strtabShdr;

    private BsdSymtab(byte[] file, int symtabShdr, int strtabShdr) {
        this.file = file;
        this.symtabShdr = symtabShdr;
        this.strtabShdr = strtabShdr;
    }

    /**
     * The image's symbol and string tables, or null when the symbol table's link is not a string
     * table (nothing is loaded then, as libelf). DomainBuildException for an image without an
     * SHT_SYMTAB or with section headers outside the file.
     */
    static BsdSymtab find(byte[] f) throws DomainBuildException {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getInt(32) & 0xFFFFFFFFL;
        int shentsize = b.getShort(46) & 0xFFFF;
        int shnum = b.getShort(48) & 0xFFFF;
        if (shnum == 0) throw new DomainBuildException("BSD_SYMTAB: the kernel has no section headers");
        if (shentsize < SHDR_SIZE || shoff + (long) shnum * shentsize > f.length) {
            throw new DomainBuildException(String.format("BSD_SYMTAB: section headers (%d of %d bytes at 0x%x) lie "
                    + "outside the %d-byte image", shnum, shentsize, shoff, f.length));
        }
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != SHT_SYMTAB) continue;
            check(f, b, sh, "symbol table");
            int link = b.getInt(sh + 24);
            if (Integer.compareUnsigned(link, shnum) >= 0) return null;
            int st = (int) (shoff + (long) link * shentsize);
            if (b.getInt(st + 4) != SHT_STRTAB) return null;
            check(f, b, st, "string table");
            return new BsdSymtab(f, sh, st);
        }
        throw new DomainBuildException("BSD_SYMTAB: the kernel asks for its symbol table but has no SHT_SYMTAB "
                + "section");
    }

    private static void check(byte[] f, ByteBuffer b, int sh, String what) throws DomainBuildException {
        long off = b.getInt(sh + 16) & 0xFFFFFFFFL, size = b.getInt(sh + 20) & 0xFFFFFFFFL;
        if (off + size > f.length) {
            throw new DomainBuildException(String.format("BSD_SYMTAB: the %s (%d bytes at 0x%x) lies outside the "
                    + "%d-byte image", what, size, off, f.length));
        }
    }

    static long round4(long a) {
        return (a + 3) & ~3L;
    }

    private int size(int sh) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(sh + 20);
    }

    private int offset(int sh) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(sh + 16);
    }

    /** Bytes from the (4-aligned) start to the end of the string table. */
    long bytes() {
        return round4(HEADER_BYTES + (long) size(symtabShdr)) + size(strtabShdr);
    }

    /** The bytes to place at the start (4-aligned), {@link #bytes()} long. */
    byte[] image() {
        int symSize = size(symtabShdr), strSize = size(strtabShdr);
        long symtabAt = HEADER_BYTES;
        long strtabAt = round4(symtabAt + symSize);
        byte[] out = new byte[(int) bytes()];
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        o.putInt(0, (int) (strtabAt + strSize - 4));
        // the ELF header, copied and adjusted as elf_load_bsdsyms does
        System.arraycopy(file, 0, out, 4, EHDR_SIZE);
        o.putInt(4 + 20, 1);             // e_version = EV_CURRENT
        o.putInt(4 + 28, 0);             // e_phoff
        o.putInt(4 + 32, SHOFF);         // e_shoff, relative to the ELF header
        o.putShort(4 + 40, (short) EHDR_SIZE);
        o.putShort(4 + 42, (short) 0);   // e_phentsize
        o.putShort(4 + 44, (short) 0);   // e_phnum
        o.putShort(4 + 46, (short) SHDR_SIZE);
        o.putShort(4 + 48, (short) 3);   // e_shnum
        o.putShort(4 + 50, (short) 0);   // e_shstrndx
        int shdrs = 4 + SHOFF;           // section 0 stays zero
        System.arraycopy(file, symtabShdr, out, shdrs + SHDR_SIZE, SHDR_SIZE);
        o.putInt(shdrs + SHDR_SIZE + 16, (int) (symtabAt - 4));
        o.putInt(shdrs + SHDR_SIZE + 24, 2);
        System.arraycopy(file, strtabShdr, out, shdrs + 2 * SHDR_SIZE, SHDR_SIZE);
        o.putInt(shdrs + 2 * SHDR_SIZE + 16, (int) (strtabAt - 4));
        System.arraycopy(file, offset(symtabShdr), out, (int) symtabAt, symSize);
        System.arraycopy(file, offset(strtabShdr), out, (int) strtabAt, strSize);
        return out;
    }
}
