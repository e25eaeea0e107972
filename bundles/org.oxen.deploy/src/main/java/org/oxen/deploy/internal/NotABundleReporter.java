package org.oxen.deploy.internal;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.service.component.annotations.Component;

/**
 * Claims, in the deploy directory Apache Felix FileInstall watches, every {@code *.jar} that is
 * not an OSGi bundle and says so on the console. FileInstall itself passes over such a file in
 * silence (no listener handles it), so a user who dropped a plain library or a truncated copy
 * would never learn why nothing happened. Claiming it installs nothing: no bundle, no service.
 *
 * <p>Bundles (a manifest with {@code Bundle-SymbolicName}) are left to FileInstall, which installs,
 * updates and reports them itself (an unresolvable bundle is reported by FileInstall when it tries
 * to start it).
 *
 * <p>Locking: none; FileInstall calls listeners from its one watcher thread per directory, and
 * the component keeps no state.
 */
@Component(service = ArtifactInstaller.class)
public final class NotABundleReporter implements ArtifactInstaller {

    private final PrintStream out;

    public NotABundleReporter() {
        this(System.out);
    }

    NotABundleReporter(PrintStream out) {
        this.out = out;
    }

    /**
     * Why {@code file} is not an OSGi bundle, or null if it is one.
     */
    static String whyNotABundle(File file) {
        try (JarFile jar = new JarFile(file, false)) {
            Manifest m = jar.getManifest();
            if (m == null) {
                return "it has no META-INF/MANIFEST.MF";
            }
            String bsn = m.getMainAttributes().getValue("Bundle-SymbolicName");
            if (bsn == null || bsn.isBlank()) {
                return "its manifest has no Bundle-SymbolicName";
            }
            return null;
        } catch (IOException | SecurityException e) {
            return "it is not a readable jar (" + e.getMessage() + ")";
        }
    }

    @Override
    public boolean canHandle(File file) {
        return file.getName().endsWith(".jar") && whyNotABundle(file) != null;
    }

    @Override
    public void install(File file) {
        report(file);
    }

    @Override
    public void update(File file) {
        report(file);
    }

    @Override
    public void uninstall(File file) {
        out.println("deploy: " + file + " removed (it was not a bundle; nothing to uninstall)");
    }

    private void report(File file) {
        String why = whyNotABundle(file);
        out.println("deploy: " + file + " is not an OSGi bundle: "
                + (why != null ? why : "it was not when FileInstall offered it") + "; ignored, nothing changed");
    }
}
