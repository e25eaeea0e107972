package org.oxen.vmm.core.build;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

import org.oxen.vmm.abi.ElfNote;
import org.oxen.vmm.api.DomainBuildException;

/** The Xen ELF notes of a PV kernel (libelf's elf_xen_parse), interpreted. */
public final class XenNotes {

    /** Features oxen offers a guest (XENFEAT names): the ones a '!' may require. */
    public static final Set<String> SUPPORTED_FEATURES = Set.of("writable_page_tables", "pae_pgdir_above_4gb",
            "mmu_pt_update_preserve_ad");

    public Long entry, hypercallPage, virtBase, paddrOffset, hvStartLow;
    public String guestOs, xenVersion, loader, paeMode, features = "";
    /** XEN_ELFNOTE_BSD_SYMTAB "yes": the builder loads the symbol table after the kernel ({@link BsdSymtab}). */
    public boolean bsdSymtab;
    public final Set<String> required = new LinkedHashSet<>();
    public final Set<String> requested = new LinkedHashSet<>();

    public static XenNotes from(ElfImage img) throws DomainBuildException {
        XenNotes x = new XenNotes();
        int n = 0;
        for (ElfImage.Note note : img.notes()) {
            if (!ElfNote.NAME.equals(note.name())) continue;
            n++;
            switch (note.type()) {
                case ElfNote.ENTRY: x.entry = num(note); break;
                case ElfNote.HYPERCALL_PAGE: x.hypercallPage = num(note); break;
                case ElfNote.VIRT_BASE: x.virtBase = num(note); break;
                case ElfNote.PADDR_OFFSET: x.paddrOffset = num(note); break;
                case ElfNote.HV_START_LOW: x.hvStartLow = num(note); break;
                case ElfNote.GUEST_OS: x.guestOs = str(note); break;
                case ElfNote.XEN_VERSION: x.xenVersion = str(note); break;
                case ElfNote.LOADER: x.loader = str(note); break;
                case ElfNote.PAE_MODE: x.paeMode = str(note); break;
                case ElfNote.BSD_SYMTAB: x.bsdSymtab = "yes".equals(str(note)); break;
                case ElfNote.FEATURES: // libelf ORs every FEATURES note into the bitmaps
                    x.features = x.features.isEmpty() ? str(note) : x.features + "|" + str(note);
                    break;
                default: break;
            }
        }
        if (n == 0) {
            throw new DomainBuildException("not a Xen PV kernel: no Xen ELF notes (neither in a PT_NOTE segment "
                    + "nor in a .note section)");
        }
        for (String f : x.features.split("\\|")) {
            if (f.isEmpty()) continue;
            if (f.startsWith("!")) x.required.add(f.substring(1)); else x.requested.add(f);
        }
        return x;
    }

    private static long num(ElfImage.Note n) throws DomainBuildException {
        byte[] d = n.desc();
        if (d.length == 4) {
            return (d[0] & 0xFFL) | (d[1] & 0xFFL) << 8 | (d[2] & 0xFFL) << 16 | (d[3] & 0xFFL) << 24;
        }
        if (d.length == 8) {
            long v = 0;
            for (int i = 7; i >= 0; i--) v = v << 8 | (d[i] & 0xFF);
            return v;
        }
        throw new DomainBuildException("Xen ELF note " + n.type() + " should be a 4- or 8-byte number, is "
                + d.length + " bytes");
    }

    private static String str(ElfImage.Note n) {
        byte[] d = n.desc();
        int l = 0;
        while (l < d.length && d[l] != 0) l++;
        return new String(d, 0, l, StandardCharsets.US_ASCII);
    }
}
