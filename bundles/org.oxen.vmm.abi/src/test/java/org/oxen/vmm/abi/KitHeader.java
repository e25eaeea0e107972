package org.oxen.vmm.abi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the guest kit's guests/include/oxen/xen_abi.h declares, asked of the compiler rather than
 * parsed by hand: its object-like macros ({@code gcc -dM -E}, minus those of stdint.h/stddef.h)
 * and every struct member path of every struct it defines (from the DWARF of a compiled
 * translation unit, {@code readelf --debug-dump=info}), nested structs, unions and the first
 * element of arrays of structs included.
 */
final class KitHeader {
    private KitHeader() {
    }

    /** The kit's header, found from this module's directory (bundles/org.oxen.vmm.abi). */
    static Path locate() {
        Path h = Path.of("").toAbsolutePath().resolve("../../guests/include/oxen/xen_abi.h").normalize();
        if (!Files.isRegularFile(h)) {
            throw new AssertionError("the guest kit's ABI header is missing: " + h);
        }
        return h;
    }

    /** Object-like macros the header defines (name → replacement text), its include guard excluded. */
    static Map<String, String> macros(Path work, Path header) throws IOException, InterruptedException {
        Path base = work.resolve("base.c");
        Files.writeString(base, "#include <stdint.h>\n#include <stddef.h>\n");
        Path kit = work.resolve("kit.c");
        Files.writeString(kit, "#include \"" + header + "\"\n");
        Map<String, String> before = defines(CDump.run(work, "gcc", "-m32", "-dM", "-E", base.toString()));
        Map<String, String> after = defines(CDump.run(work, "gcc", "-m32", "-dM", "-E", kit.toString()));
        Map<String, String> own = new TreeMap<>();
        after.forEach((k, v) -> {
            if (!before.containsKey(k) && !k.equals("OXEN_XEN_ABI_H")) {
                own.put(k, v);
            }
        });
        return own;
    }

    private static Map<String, String> defines(String dump) {
        Map<String, String> m = new HashMap<>();
        for (String line : dump.split("\n")) {
            if (!line.startsWith("#define ")) {
                continue;
            }
            String rest = line.substring(8);
            int sp = rest.indexOf(' ');
            String name = sp < 0 ? rest : rest.substring(0, sp);
            if (!name.contains("(")) {
                m.put(name, sp < 0 ? "" : rest.substring(sp + 1));
            }
        }
        return m;
    }

    /** A debugging information entry: tag, attributes, children. */
    private record Die(String tag, Map<String, String> attrs, List<Die> children) {
        String name() {
            return attrs.get("DW_AT_name");
        }
    }

    private static final Pattern DIE = Pattern.compile("^\\s*<(\\d+)><([0-9a-f]+)>: Abbrev Number: (\\d+)(?: \\((DW_TAG_\\w+)\\))?");
    private static final Pattern ATTR = Pattern.compile("^\\s*<[0-9a-f]+>\\s+(DW_AT_\\w+)\\s*:\\s*(.*)$");

    /**
     * Struct tag → the member paths of that struct, in declaration order, for every struct the
     * header defines with a tag.
     */
    static Map<String, List<String>> structMembers(Path work, Path header) throws IOException, InterruptedException {
        Path kit = work.resolve("kit-dwarf.c");
        Files.writeString(kit, "#include \"" + header + "\"\n");
        Path obj = work.resolve("kit-dwarf.o");
        CDump.run(work, "gcc", "-m32", "-g", "-fno-eliminate-unused-debug-types", "-c", "-o", obj.toString(),
                kit.toString());
        String dump = CDump.run(work, "readelf", "--debug-dump=info", obj.toString());

        Map<String, Die> byOffset = new HashMap<>();
        List<Die> top = new ArrayList<>();
        Die[] stack = new Die[64];
        Die current = null;
        for (String line : dump.split("\n")) {
            Matcher d = DIE.matcher(line);
            if (d.find()) {
                int level = Integer.parseInt(d.group(1));
                if (d.group(4) == null) { // a null entry closes the sibling list
                    current = null;
                    continue;
                }
                current = new Die(d.group(4), new HashMap<>(), new ArrayList<>());
                byOffset.put(d.group(2), current);
                stack[level] = current;
                if (level == 1) {
                    top.add(current);
                } else if (level > 1 && stack[level - 1] != null) {
                    stack[level - 1].children.add(current);
                }
                continue;
            }
            Matcher a = ATTR.matcher(line);
            if (a.find() && current != null) {
                String v = a.group(2).strip();
                int colon = v.lastIndexOf("): ");
                if (v.startsWith("(") && colon > 0) { // (indirect string, offset: 0x..): name
                    v = v.substring(colon + 3);
                }
                current.attrs.put(a.group(1), v);
            }
        }

        Map<String, List<String>> structs = new LinkedHashMap<>();
        for (Die d : top) {
            if (d.tag.equals("DW_TAG_structure_type") && d.name() != null && !d.children.isEmpty()) {
                List<String> paths = new ArrayList<>();
                members(d, "", byOffset, paths);
                structs.put(d.name(), paths);
            }
        }
        return structs;
    }

    private static void members(Die struct, String prefix, Map<String, Die> byOffset, List<String> out) {
        for (Die m : struct.children) {
            if (!m.tag.equals("DW_TAG_member")) {
                continue;
            }
            Die t = resolve(m.attrs.get("DW_AT_type"), byOffset);
            if (m.name() == null) { // an anonymous struct or union: its members belong to this one
                if (t != null && isAggregate(t)) {
                    members(t, prefix, byOffset, out);
                }
                continue;
            }
            String path = prefix + m.name();
            out.add(path);
            if (t != null && t.tag.equals("DW_TAG_array_type")) {
                Die elem = resolve(t.attrs.get("DW_AT_type"), byOffset);
                if (elem != null && isAggregate(elem)) {
                    members(elem, path + "[0].", byOffset, out);
                }
            } else if (t != null && isAggregate(t)) {
                members(t, path + ".", byOffset, out);
            }
        }
    }

    private static boolean isAggregate(Die d) {
        return d.tag.equals("DW_TAG_structure_type") || d.tag.equals("DW_TAG_union_type");
    }

    /** Follows typedefs and qualifiers from a {@code <0x..>} type reference. */
    private static Die resolve(String ref, Map<String, Die> byOffset) {
        while (ref != null && ref.startsWith("<0x")) {
            Die d = byOffset.get(ref.substring(3, ref.length() - 1));
            if (d == null) {
                return null;
            }
            if (!d.tag.equals("DW_TAG_typedef") && !d.tag.equals("DW_TAG_const_type")
                    && !d.tag.equals("DW_TAG_volatile_type")) {
                return d;
            }
            ref = d.attrs.get("DW_AT_type");
        }
        return null;
    }
}
