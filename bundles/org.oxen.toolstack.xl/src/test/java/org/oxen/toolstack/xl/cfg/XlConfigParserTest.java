package org.oxen.toolstack.xl.cfg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XlConfigParserTest {

    private static XlConfig parse(String text) throws XlConfigException {
        return XlConfigParser.parse("t.cfg", text);
    }

    private static String str(XlConfig c, String key) {
        return ((ConfigValue.Str) c.get(key).orElseThrow().value()).value();
    }

    @Test
    void aTypicalXenConfig() throws Exception {
        XlConfig c = parse("""
                # a PV guest
                name = "hello"   # trailing comment
                kernel='/boot/hello.elf'
                memory = 64; vcpus = 2
                extra = "console=hvc0 \\"quoted\\" tab\\there"
                disk = [ 'phy:/dev/vg/a,xvda,w',
                         'file:/b.img,xvdb,r', ]
                empty = []
                """);
        assertEquals(List.of("name", "kernel", "memory", "vcpus", "extra", "disk", "empty"),
                List.copyOf(c.settings().keySet()));
        assertEquals("hello", str(c, "name"));
        assertEquals("/boot/hello.elf", str(c, "kernel"));
        assertEquals("64", ((ConfigValue.Num) c.get("memory").get().value()).text());
        assertEquals("console=hvc0 \"quoted\" tab\there", str(c, "extra"));
        ConfigValue.Lst disk = (ConfigValue.Lst) c.get("disk").get().value();
        assertEquals(2, disk.items().size());
        assertEquals(new ConfigPosition("t.cfg", 7, 10), disk.items().get(1).position());
        assertEquals(0, ((ConfigValue.Lst) c.get("empty").get().value()).items().size());
        assertEquals(new ConfigPosition("t.cfg", 2, 1), c.get("name").get().position());
    }

    @Test
    void nestedListsHexEscapesAndContinuation() throws Exception {
        XlConfig c = parse("vnuma = [ [ \"pnode=0\", 'size=512' ], [\"pnode=1\"] ]\n"
                + "x = 0x1F\n"
                + "s = \"\\x41\\102\\\\\"\n"
                + "long = \"a\" \\\n"
                + "\n");
        ConfigValue.Lst outer = (ConfigValue.Lst) c.get("vnuma").get().value();
        assertInstanceOf(ConfigValue.Lst.class, outer.items().get(0));
        assertEquals("0x1F", ((ConfigValue.Num) c.get("x").get().value()).text());
        assertEquals("AB\\", str(c, "s"));
        assertEquals("a", str(c, "long"));
    }

    @Test
    void plusEqualsAppendsLikeXl() throws Exception {
        XlConfig c = parse("vif = ['a']\nvif += ['b', 'c']\nvif += 'd'\nextra = 'x'\nextra += ' y'\nnew += 'z'\n");
        assertEquals(4, ((ConfigValue.Lst) c.get("vif").get().value()).items().size());
        assertEquals("x y", str(c, "extra"));
        assertEquals("z", str(c, "new"));
        XlConfigException e = assertThrows(XlConfigException.class, () -> parse("m = 1\nm += 'a'\n"));
        assertEquals("t.cfg:2:6: cannot append to 'm': it holds a number and the new value is a string", e.getMessage());
    }

    @Test
    void lastSettingWins() throws Exception {
        assertEquals("b", str(parse("name='a'\nname='b'"), "name"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "name 'x'|t.cfg:1:6: expected '=' or '+=' after 'name', found '''",
        "name =|t.cfg:1:7: expected a value, found end of file",
        "name = \\n|t.cfg:1:8: expected a value, found end of line",
        "name = 'abc|t.cfg:1:8: string opened here is not closed with '",
        "= 3|t.cfg:1:1: expected a setting name, found '='",
        "m = 12ab|t.cfg:1:5: malformed number '12a...'",
        "m = 0x|t.cfg:1:5: hex number needs digits after 0x",
        "m = [1, 2|t.cfg:1:5: list opened here is not closed with ']'",
        "m = [1 2]|t.cfg:1:8: expected ',' or ']' in list, found '2'",
        "m = 'a' 'b'|t.cfg:1:9: expected end of line after the value of 'm', found '''",
        "m = \"\\q\"|t.cfg:1:7: unknown escape '\\q' in string",
        "m = \"\\400\"|t.cfg:1:7: octal escape \\400 is above \\377",
        "m = yes|t.cfg:1:5: expected a value (\"string\", number or [list]), found 'y'",
    })
    void malformedFilesNameLineAndColumn(String text, String message) {
        XlConfigException e = assertThrows(XlConfigException.class, () -> parse(text.replace("\\n", "\n")));
        assertEquals(message, e.getMessage());
    }

    @Test
    void errorsOnLaterLinesCountLinesAndColumns() {
        XlConfigException e = assertThrows(XlConfigException.class,
                () -> parse("# c\nname = 'a'\n\n  disk = [ 'x',\n   'y' 'z' ]\n"));
        assertEquals(new ConfigPosition("t.cfg", 5, 8), e.position());
    }
}
