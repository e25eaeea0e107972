/*
 * symtab -- XEN_ELFNOTE_BSD_SYMTAB: the builder loads the kernel's symbol
 * table after its end, as libelf's elf_load_bsdsyms lays it out.  PV only.
 *
 * At round4(_end): a uint32 size, then an ELF header (e_shoff 64 relative to
 * it, 3 section headers, no program headers) and section headers 0 (zero),
 * 1 (SHT_SYMTAB, linked to 2) and 2 (SHT_STRTAB), whose sh_offsets (relative
 * to the ELF header) find the symbol and string tables; the size covers them.
 * The program looks up guest_main and _end in the loaded table and checks
 * their values, and that the start-of-day p2m list lies after it.
 */
#include <kit.h>
#include <oxen/pv.h>

/* XEN_ELFNOTE_BSD_SYMTAB (11), "yes" */
__asm__(".pushsection .note.Xen, \"a\", @note\n"
        "    .balign 4\n"
        "    .long 4, 4, 11\n"
        "    .asciz \"Xen\"\n"
        "    .balign 4\n"
        "    .asciz \"yes\"\n"
        "    .balign 4\n"
        ".popsection\n");

struct elf32_ehdr {
    uint8_t  e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct elf32_shdr {
    uint32_t sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize;
};
struct elf32_sym {
    uint32_t st_name, st_value, st_size;
    uint8_t  st_info, st_other;
    uint16_t st_shndx;
};

extern char _end[];

static uint32_t lookup(const struct elf32_sym *syms, uint32_t n, const char *strs, uint32_t strsz, const char *name)
{
    for (uint32_t i = 0; i < n; i++) {
        if (syms[i].st_name >= strsz)
            continue;
        const char *s = strs + syms[i].st_name;
        uint32_t k = 0;
        while (name[k] && s[k] == name[k])
            k++;
        if (name[k] == 0 && s[k] == 0)
            return syms[i].st_value;
    }
    fail("symbol %s not in the loaded table", name);
}

void guest_main(void)
{
    uint32_t base = ((uint32_t)_end + 3) & ~3u;
    uint32_t size = *(const uint32_t *)base;
    const struct elf32_ehdr *eh = (const void *)(base + 4);
    printf("symtab: header at %#x (kernel end %#x), size %u\n", base, (uint32_t)_end, size);
    CHECK(eh->e_ident[0] == 0x7f && eh->e_ident[1] == 'E' && eh->e_ident[2] == 'L' && eh->e_ident[3] == 'F',
          "no ELF header at %#x", base + 4);
    CHECK_EQ(eh->e_shnum, 3, "e_shnum");
    CHECK_EQ(eh->e_shoff, 64, "e_shoff");
    CHECK_EQ(eh->e_shentsize, 40, "e_shentsize");
    CHECK_EQ(eh->e_phnum, 0, "e_phnum");
    CHECK_EQ(eh->e_shstrndx, 0, "e_shstrndx");
    const struct elf32_shdr *sh = (const void *)((const char *)eh + eh->e_shoff);
    CHECK(sh[0].sh_type == 0 && sh[0].sh_size == 0 && sh[0].sh_offset == 0, "section 0 is not empty");
    CHECK_EQ(sh[1].sh_type, 2, "section 1 type (SHT_SYMTAB)");
    CHECK_EQ(sh[1].sh_link, 2, "section 1 link");
    CHECK_EQ(sh[1].sh_offset, 256, "symbol table offset (sizeof elf_sym_header - 4)");
    CHECK_EQ(sh[2].sh_type, 3, "section 2 type (SHT_STRTAB)");
    CHECK_EQ(sh[2].sh_offset, (sh[1].sh_offset + sh[1].sh_size + 3) & ~3u, "string table offset");
    CHECK_EQ(size, sh[2].sh_offset + sh[2].sh_size, "size");
    CHECK_EQ(sh[1].sh_entsize, sizeof(struct elf32_sym), "sh_entsize");
    const struct elf32_sym *syms = (const void *)((const char *)eh + sh[1].sh_offset);
    const char *strs = (const char *)eh + sh[2].sh_offset;
    uint32_t n = sh[1].sh_size / sizeof(struct elf32_sym);
    CHECK_EQ(lookup(syms, n, strs, sh[2].sh_size, "guest_main"), (uint32_t)guest_main, "guest_main's value");
    CHECK_EQ(lookup(syms, n, strs, sh[2].sh_size, "_end"), (uint32_t)_end, "_end's value");
    CHECK_EQ(lookup(syms, n, strs, sh[2].sh_size, "lookup"), (uint32_t)lookup, "lookup's value");
    CHECK(pv_start_info->mfn_list >= base + 4 + size, "the p2m list at %#x overlaps the table ending at %#x",
          pv_start_info->mfn_list, base + 4 + size);
    printf("symtab: %u symbols, %u bytes of strings; guest_main, _end and lookup found with their addresses\n", n,
           sh[2].sh_size);
    pass();
}
