/**
 * The one ELF32 (little-endian) reader of oxen: {@link org.oxen.elf.Elf32} parses the header,
 * program headers, section headers (with names) and notes of an image held in memory, checking
 * every offset and size against the file so a truncated or hostile image gives an
 * {@link org.oxen.elf.ElfException} naming what is wrong and where, never an exception from the
 * parser. What a user requires beyond that (i386, an executable, Xen notes, a multiboot header)
 * is the user's check.
 */
@Export
@Version("1.0.0")
package org.oxen.elf;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
