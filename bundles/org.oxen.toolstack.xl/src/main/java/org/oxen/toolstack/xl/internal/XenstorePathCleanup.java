package org.oxen.toolstack.xl.internal;

import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * libxl__xs_path_cleanup: removes a path, then each parent that is left empty (no value and no
 * children), up to the first that is not, as {@code xenstore-rm -t} does. libxl removes a
 * destroyed device's directories this way, so {@code /local/domain/0/backend/vbd} goes with the
 * last disk instead of staying behind (the mixed fuzz campaign's oracle found it left). The walk
 * stops below a domain's {@code backend} and {@code device} directories, which come with the
 * domain. Stateless.
 */
final class XenstorePathCleanup {

    /**
     * Where the walk up stops: a domain's own directory and its {@code backend} and {@code device}
     * directories, which the toolstack and xenbus make with the domain, not with a device.
     */
    private static final java.util.regex.Pattern ROOTS =
            java.util.regex.Pattern.compile("/local(/domain(/\\d+(/(backend|device))?)?)?");

    private XenstorePathCleanup() {
    }

    /** Removes {@code path} (absent is fine) and its parents left empty, below the domain's own directories. */
    static void remove(XenstoreClient xs, String path) throws XenstoreException {
        try {
            xs.rm(path);
        } catch (XenstoreException e) {
            if (!"ENOENT".equals(e.error())) throw e;
        }
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/')) {
            path = path.substring(0, slash);
            if (ROOTS.matcher(path).matches()) return;
            try {
                if (!xs.read(path).orElse("x").isEmpty() || !xs.directory(path).isEmpty()) return;
                xs.rm(path);
            } catch (XenstoreException e) {
                if ("ENOENT".equals(e.error())) continue; // removed meanwhile: look further up
                throw e;
            }
        }
    }
}
