package org.oxen.vmm.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * oxen's two copies of the Xen x86_32 PAE PV ABI — this bundle's Java constants and the guest
 * kit's guests/include/oxen/xen_abi.h — against Xen's own public headers (Debian's libxen-dev,
 * /usr/include/xen, compiled with gcc -m32). Xen's headers are the one source: every constant
 * and offset either copy holds is compared with the value gcc computes from them, and a
 * constant nobody mapped fails the test, so a new one cannot slip in unchecked.
 *
 * <p>Java: java-constants.map (beside this class) gives each public constant its C expression
 * over Xen's headers, or "oxen: reason" for the few Xen does not publish. C: every object-like
 * macro of xen_abi.h is compared with Xen's macro of the same name (kit-header.map lists the
 * differently named and the kit's own), and every member path of every struct it defines with
 * Xen's struct of the same tag: offset and size of each member, size of each struct.
 */
class XenHeadersTest {

    @TempDir
    static Path work;

    @BeforeAll
    static void toolchain() {
        CDump.requireToolchain();
    }

    // ---- Java ---------------------------------------------------------------------------

    /** Every public static final field of the package's classes, as "Class.FIELD". */
    private static Map<String, Field> javaConstants() throws Exception {
        Path dir = classesDir();
        Map<String, Field> all = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String file = f.getFileName().toString();
                if (!file.endsWith(".class") || file.contains("$") || file.equals("package-info.class")) {
                    continue;
                }
                Class<?> c = Class.forName("org.oxen.vmm.abi." + file.substring(0, file.length() - 6));
                for (Field fld : c.getDeclaredFields()) {
                    int m = fld.getModifiers();
                    if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m)) {
                        all.put(c.getSimpleName() + "." + fld.getName(), fld);
                    }
                }
            }
        }
        return all;
    }

    private static Path classesDir() throws URISyntaxException {
        return Path.of(Xen.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("org/oxen/vmm/abi");
    }

    @Test
    void everyJavaConstantHasALineInTheMap() throws Exception {
        Map<String, String> map = CDump.table("java-constants.map");
        Map<String, Field> constants = javaConstants();
        TreeSet<String> unmapped = new TreeSet<>();
        for (String k : constants.keySet()) {
            Field f = constants.get(k);
            String key = f.getType().isArray() ? k + "[]" : k;
            if (!map.containsKey(key)) {
                unmapped.add(key);
            }
        }
        TreeSet<String> stale = new TreeSet<>();
        for (String k : map.keySet()) {
            if (!constants.containsKey(k.endsWith("[]") ? k.substring(0, k.length() - 2) : k)) {
                stale.add(k);
            }
        }
        assertTrue(unmapped.isEmpty(), "constants of org.oxen.vmm.abi without a line in java-constants.map: "
                + unmapped);
        assertTrue(stale.isEmpty(), "java-constants.map names constants that do not exist: " + stale);
    }

    @Test
    void javaConstantsEqualXenHeaders() throws Exception {
        Map<String, String> map = CDump.table("java-constants.map");
        Map<String, Field> constants = javaConstants();
        Map<String, String> exprs = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : map.entrySet()) {
            String expr = e.getValue();
            if (expr.startsWith("oxen:")) {
                continue;
            }
            if (e.getKey().endsWith("[]")) { // element i names XENFEAT_<name>, which must be i
                String[] names = (String[]) constants.get(e.getKey().substring(0, e.getKey().length() - 2)).get(null);
                for (int i = 0; i < names.length; i++) {
                    String k = e.getKey().replace("[]", "[" + i + "]");
                    exprs.put(k, expr.replace("%s", names[i]));
                    expected.put(k, Integer.toString(i));
                }
                continue;
            }
            exprs.put(e.getKey(), expr);
            expected.put(e.getKey(), javaValue(constants.get(e.getKey())));
        }
        Map<String, String> xen = CDump.values(work, "java-constants", CDump.XEN_PROLOGUE, exprs);
        List<String> wrong = new ArrayList<>();
        for (String k : exprs.keySet()) {
            String java = expected.get(k);
            String c = xen.get(k);
            if (!sameValue(java, c)) {
                wrong.add(k + " = " + java + " but Xen's " + exprs.get(k) + " = " + c);
            }
        }
        assertTrue(wrong.isEmpty(), "Java constants that differ from Xen's headers:\n  " + String.join("\n  ", wrong));
        assertTrue(exprs.size() > 200, "the dump compared only " + exprs.size() + " values");
    }

    private static String javaValue(Field f) throws IllegalAccessException {
        Object v = f.get(null);
        return v instanceof String s ? "\"" + s + "\"" : v.toString();
    }

    /** Equal as written, or as 32-bit integers (Java's int is signed, C's unsigned values are not). */
    private static boolean sameValue(String java, String c) {
        if (c == null) {
            return false;
        }
        if (java.equals(c)) {
            return true;
        }
        try {
            long j = Long.parseLong(java);
            long x = Long.parseLong(c);
            return j >= Integer.MIN_VALUE && j <= Integer.MAX_VALUE && x >= 0 && x <= 0xFFFFFFFFL && (int) x == (int) j;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Test
    void cr3EncodingIsXens() throws Exception {
        int[] pfns = {0, 1, 0x12345, 0xFFFFF, 0x100000, 0x123456, 0xFFFFFF};
        Map<String, String> exprs = new LinkedHashMap<>();
        for (int pfn : pfns) {
            exprs.put("pfn_to_cr3_" + pfn, "(long long) xen_pfn_to_cr3(" + pfn + "u)");
            exprs.put("cr3_to_pfn_" + pfn, "(long long) xen_cr3_to_pfn(xen_pfn_to_cr3(" + pfn + "u))");
        }
        Map<String, String> xen = CDump.values(work, "cr3", CDump.XEN_PROLOGUE, exprs);
        for (int pfn : pfns) {
            assertEquals(Long.parseLong(xen.get("pfn_to_cr3_" + pfn)), Integer.toUnsignedLong(Xen.pfnToCr3(pfn)),
                    "pfnToCr3(" + pfn + ")");
            assertEquals(Long.parseLong(xen.get("cr3_to_pfn_" + pfn)),
                    Integer.toUnsignedLong(Xen.cr3ToPfn(Xen.pfnToCr3(pfn))), "cr3ToPfn(pfnToCr3(" + pfn + "))");
        }
    }

    // ---- the guest kit's C header ------------------------------------------------------------

    @Test
    void kitHeaderMacrosEqualXenHeaders() throws Exception {
        Path header = KitHeader.locate();
        Map<String, String> macros = KitHeader.macros(work, header);
        Map<String, String> renamed = CDump.table("kit-header.map");
        Map<String, String> kitExprs = new LinkedHashMap<>();
        Map<String, String> xenExprs = new LinkedHashMap<>();
        for (String name : macros.keySet()) {
            if (name.startsWith("XEN_ABI_ASSERT")) {
                continue;
            }
            String xen = renamed.getOrDefault(name, name);
            if (xen.startsWith("oxen:")) {
                continue;
            }
            kitExprs.put(name, name);
            xenExprs.put(name, xen);
        }
        TreeSet<String> stale = new TreeSet<>(renamed.keySet());
        stale.removeAll(macros.keySet());
        assertTrue(stale.isEmpty(), "kit-header.map names macros xen_abi.h does not define: " + stale);

        Map<String, String> kit = CDump.values(work, "kit-macros", "#include \"" + header + "\"\n", kitExprs);
        Map<String, String> xen = CDump.values(work, "xen-macros", CDump.XEN_PROLOGUE, xenExprs);
        List<String> wrong = new ArrayList<>();
        for (String k : kitExprs.keySet()) {
            if (!sameValue(kit.get(k), xen.get(k))) {
                wrong.add(k + " = " + kit.get(k) + " but Xen's " + xenExprs.get(k) + " = " + xen.get(k));
            }
        }
        assertTrue(wrong.isEmpty(), "xen_abi.h macros that differ from Xen's headers:\n  " + String.join("\n  ", wrong));
        assertTrue(kitExprs.size() > 150, "the dump compared only " + kitExprs.size() + " macros");
    }

    @Test
    void kitHeaderStructLayoutsEqualXenHeaders() throws Exception {
        Path header = KitHeader.locate();
        Map<String, List<String>> structs = KitHeader.structMembers(work, header);
        Map<String, String> exprs = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> s : structs.entrySet()) {
            String type = "struct " + s.getKey();
            exprs.put("sizeof:" + s.getKey(), "sizeof(" + type + ")");
            for (String m : s.getValue()) {
                exprs.put("offsetof:" + s.getKey() + "." + m, "offsetof(" + type + ", " + m + ")");
                exprs.put("sizeof:" + s.getKey() + "." + m, "sizeof(((" + type + " *) 0)->" + m + ")");
            }
        }
        Map<String, String> kit = CDump.values(work, "kit-structs", "#include \"" + header + "\"\n", exprs);
        Map<String, String> xen = CDump.values(work, "xen-structs", CDump.XEN_PROLOGUE, exprs);
        List<String> wrong = new ArrayList<>();
        for (String k : exprs.keySet()) {
            if (!kit.get(k).equals(xen.get(k))) {
                wrong.add(k + " = " + kit.get(k) + " in xen_abi.h but " + xen.get(k) + " in Xen's headers");
            }
        }
        assertTrue(wrong.isEmpty(), "xen_abi.h layouts that differ from Xen's headers:\n  " + String.join("\n  ", wrong));
        assertTrue(structs.size() > 20 && exprs.size() > 300, "the dump compared only " + structs.size()
                + " structs, " + exprs.size() + " values: " + structs.keySet());
        assertTrue(structs.get("start_info").contains("console.domU.mfn"), "nested members: " + structs.get("start_info"));
    }

}
