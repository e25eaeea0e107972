package org.oxen.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** The launcher properties read as bnd's launcher reads them (as bnd's export writes them). */
class LaunchPropertiesTest {

    static Properties props(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    @Test
    void bundlesStartLevelsAndFrameworkProperties() throws IOException {
        LaunchProperties l = LaunchProperties.of(props(String.join("\n",
                "launch.bundles=/rt/jar/a.jar,/rt/jar/b.jar,/rt/jar/c.jar",
                "launch.runbundles.attrs=a;version\\=\"1.1.4\";startlevel\\=100,b;startlevel\\=10;version\\=\"2\",c;version\\=\"3\"",
                "launch.startlevel.default=101",
                "launch.system.packages=org.osgi.dto;version\\=\"1.1.1\"",
                "launch.storage.dir=/rt/cache/fw",
                "launch.keep=true",
                "oxen.job.startlevel=20",
                "org.osgi.framework.startlevel.beginning=20",
                "")));
        assertEquals(List.of("/rt/jar/a.jar", "/rt/jar/b.jar", "/rt/jar/c.jar"), l.bundles(), "in their order");
        assertEquals(100, l.startLevel("a"));
        assertEquals(10, l.startLevel("b"), "startlevel among other attributes");
        assertEquals(101, l.startLevel("c"), "no startlevel: the default");
        assertEquals(101, l.startLevel("unknown"));
        assertEquals(Map.of("oxen.job.startlevel", "20", "org.osgi.framework.startlevel.beginning", "20",
                "org.osgi.framework.system.packages.extra", "org.osgi.dto;version=\"1.1.1\""), l.framework(),
                "every key outside launch.*, and the system packages as bnd's launcher passes them");
        assertEquals("/rt/cache/fw", l.storage());
        assertTrue(l.keep());
    }

    @Test
    void noStorageMeansATemporaryOneCleaned() throws IOException {
        LaunchProperties l = LaunchProperties.of(props("launch.bundles=/a.jar\nlaunch.keep=false\n"));
        assertNull(l.storage());
        assertFalse(l.keep());
        assertEquals(1, l.startLevel("a"), "without launch.startlevel.default, level 1 (the framework's default)");
    }

    @Test
    void aMalformedStartLevelIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchProperties.of(props("launch.runbundles.attrs=a;startlevel\\=ten\n")));
        assertEquals("launch.runbundles.attrs: not a start level: ten", e.getMessage());
    }
}
