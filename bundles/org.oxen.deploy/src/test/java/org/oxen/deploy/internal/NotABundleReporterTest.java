package org.oxen.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotABundleReporterTest {

    @TempDir
    Path dir;

    private File jar(String name, String bsn) throws IOException {
        Path p = dir.resolve(name);
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            m.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
        }
        try (OutputStream o = Files.newOutputStream(p); JarOutputStream j = new JarOutputStream(o, m)) {
            j.putNextEntry(new ZipEntry("a.txt"));
            j.write('x');
        }
        return p.toFile();
    }

    @Test
    void claimsOnlyJarsThatAreNotBundlesAndSaysWhy() throws IOException {
        File bundle = jar("b.jar", "org.example.b");
        File plain = jar("plain.jar", null);
        Path noManifest = dir.resolve("nomf.jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(noManifest))) {
            z.putNextEntry(new ZipEntry("a.txt"));
            z.write('x');
        }
        Path garbage = Files.writeString(dir.resolve("garbage.jar"), "not a zip");
        Path notAJarName = Files.writeString(dir.resolve("notes.txt"), "not a zip");

        assertNull(NotABundleReporter.whyNotABundle(bundle));
        assertFalse(new NotABundleReporter().canHandle(bundle));
        assertFalse(new NotABundleReporter().canHandle(notAJarName.toFile()));
        assertEquals("its manifest has no Bundle-SymbolicName", NotABundleReporter.whyNotABundle(plain));
        assertEquals("it has no META-INF/MANIFEST.MF", NotABundleReporter.whyNotABundle(noManifest.toFile()));
        assertTrue(NotABundleReporter.whyNotABundle(garbage.toFile()).startsWith("it is not a readable jar ("));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NotABundleReporter r = new NotABundleReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertTrue(r.canHandle(plain));
        r.install(plain);
        assertEquals("deploy: " + plain + " is not an OSGi bundle: its manifest has no Bundle-SymbolicName;"
                + " ignored, nothing changed\n", bytes.toString(StandardCharsets.UTF_8));
    }
}
