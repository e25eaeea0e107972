package org.oxen.toolstack.xl.cfg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code xl create cfg key=value ...}: overrides as extra lines of the file. */
class XlConfigOverridesTest {

    private static final String FILE = "name = \"a\"\nmemory = 16\nextra = \"x=1\"\ndisk = [ 'a' ]\n";

    private static String str(XlConfig c, String key) {
        return ((ConfigValue.Str) c.get(key).orElseThrow().value()).value();
    }

    @Test
    void anOverrideReplacesTheValueAndKeepsTheKeyOrder() throws Exception {
        XlConfig c = XlConfigParser.parse("t.cfg", FILE, List.of("memory=32", "name=\"b\""));
        assertEquals("32", ((ConfigValue.Num) c.get("memory").orElseThrow().value()).text());
        assertEquals("b", str(c, "name"));
        assertEquals(List.of("name", "memory", "extra", "disk"), List.copyOf(c.settings().keySet()));
        assertEquals("<command line>:1:1", c.get("memory").orElseThrow().position().toString());
    }

    @Test
    void plusEqualsAppends() throws Exception {
        XlConfig c = XlConfigParser.parse("t.cfg", FILE, List.of("extra+=\" y=2\"", "disk+=['b']"));
        assertEquals("x=1 y=2", str(c, "extra"));
        assertEquals(2, ((ConfigValue.Lst) c.get("disk").orElseThrow().value()).items().size());
    }

    @Test
    void bareWordsAreStringsBecauseGogoStripsQuotes() throws Exception {
        XlConfig c = XlConfigParser.parse("t.cfg", FILE, List.of("name=web-2", "extra=console=hvc0 quiet"));
        assertEquals("web-2", str(c, "name"));
        assertEquals("console=hvc0 quiet", str(c, "extra"));
        assertEquals("name=\"a\\\"b\"", XlConfigParser.quoteBareValue("name=a\"b"));
        assertEquals("memory=0x10", XlConfigParser.quoteBareValue("memory=0x10"));
    }

    @Test
    void anErrorInAnOverrideNamesTheCommandLineAndItsIndex() {
        XlConfigException e = assertThrows(XlConfigException.class,
                () -> XlConfigParser.parse("t.cfg", FILE, List.of("memory=32", "vcpus=[1,")));
        assertEquals("<command line>:2:7: list opened here is not closed with ']'", e.getMessage());
    }

    @Test
    void anErrorInTheFileStillNamesTheFile() {
        XlConfigException e = assertThrows(XlConfigException.class,
                () -> XlConfigParser.parse("t.cfg", "name = \n", List.of("memory=32")));
        assertEquals("t.cfg:1:8: expected a value, found end of line", e.getMessage());
    }
}
