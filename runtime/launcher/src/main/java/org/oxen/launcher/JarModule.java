package org.oxen.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.osgi.framework.connect.ConnectContent;
import org.osgi.framework.connect.ConnectModule;

/**
 * One bundle jar of the launch's class path as an OSGi Connect module: Felix reads its headers and
 * entries (SCR's descriptors, resources) from the jar, and its classes come from
 * {@code loader}, the application class loader that has the jar on its class path, so a JDK's
 * class-data cache (JDK 17's AppCDS, JDK 25's AOT cache) holds them as any class-path class,
 * linked, with their lambdas.
 *
 * <p>Locking: Felix opens, reads and closes a content from its own threads; the open jar is
 * guarded by this object's monitor.
 */
final class JarModule implements ConnectModule, ConnectContent {

    private final File file;
    private final ClassLoader loader;
    private JarFile jar;
    private Map<String, String> headers;

    JarModule(File file, ClassLoader loader) {
        this.file = file;
        this.loader = loader;
    }

    @Override
    public ConnectContent getContent() {
        return this;
    }

    @Override
    public synchronized Optional<Map<String, String>> getHeaders() {
        if (headers == null) {
            try {
                Manifest m = jar().getManifest();
                Map<String, String> h = new HashMap<>();
                if (m != null) {
                    for (Map.Entry<Object, Object> e : m.getMainAttributes().entrySet()) {
                        h.put(((Attributes.Name) e.getKey()).toString(), (String) e.getValue());
                    }
                }
                headers = h;
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": " + e.getMessage(), e);
            }
        }
        return Optional.of(headers);
    }

    @Override
    public synchronized Iterable<String> getEntries() throws IOException {
        List<String> names = new ArrayList<>();
        for (Enumeration<JarEntry> en = jar().entries(); en.hasMoreElements();) {
            names.add(en.nextElement().getName());
        }
        return names;
    }

    @Override
    public synchronized Optional<ConnectEntry> getEntry(String path) {
        JarEntry e;
        try {
            e = jar().getJarEntry(path);
        } catch (IOException x) {
            return Optional.empty();
        }
        return e == null ? Optional.empty() : Optional.of(new Entry(e));
    }

    @Override
    public Optional<ClassLoader> getClassLoader() {
        return Optional.of(loader);
    }

    @Override
    public void open() {
        // the jar is opened at its first use
    }

    @Override
    public synchronized void close() throws IOException {
        if (jar != null) {
            jar.close();
            jar = null;
        }
    }

    private synchronized JarFile jar() throws IOException {
        if (jar == null) {
            jar = new JarFile(file, false);
        }
        return jar;
    }

    /** An entry of the jar, read through the module's open jar. */
    private final class Entry implements ConnectEntry {
        private final JarEntry entry;

        Entry(JarEntry entry) {
            this.entry = entry;
        }

        @Override
        public String getName() {
            return entry.getName();
        }

        @Override
        public long getContentLength() {
            return entry.getSize();
        }

        @Override
        public long getLastModified() {
            return entry.getTime();
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return jar().getInputStream(entry);
        }
    }
}
