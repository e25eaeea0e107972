package org.oxen.toolstack.xl.internal;

import java.util.Optional;

import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * A domain's memory as the toolstack manages it (libxl_mem.c): the balloon target a guest's
 * balloon driver follows, {@code /local/domain/<id>/memory/target} (KiB), bounded by
 * {@code memory/static-max}; {@code memory/videoram} (KiB) is what the target leaves out. The
 * nodes are written at creation beside the domain's others (xenstored's {@code ToolstackPaths},
 * as libxl__build_post); the hypervisor's maximum (XEN_DOMCTL_max_mem,
 * {@link Domains#setMaxMemory}) is set by libxl's rules:
 *
 * <ul>
 * <li>at creation (libxl__build_pre): the target plus {@value #MAXMEM_CONSTANT_KIB} KiB
 * (LIBXL_MAXMEM_CONSTANT, libxl__arch_extra_memory on x86): a guest balloons beyond its initial
 * memory only after {@code xl mem-set} raised the target;</li>
 * <li>{@code xl mem-set} (libxl_set_memory_target with enforce, as xl calls it): the new target
 * less videoram may not exceed static-max; the maximum becomes target + videoram + the constant,
 * then the target node and {@code /vm/<uuid>/memory} (MiB) are written, in one transaction;</li>
 * <li>{@code xl mem-max} (libxl_domain_setmaxmem): refused below the current target; the maximum
 * becomes the size + the constant; static-max is not changed (as in libxl).</li>
 * </ul>
 *
 * A maximum below what the guest holds is accepted as Xen accepts it: the guest keeps its pages
 * and gets no new ones until it has ballooned down. Nothing forces a guest that ignores the target.
 * Stateless; callers serialize per domain through the {@link Toolstack} (libxl's domain lock).
 */
final class MemoryTargets {

    /** LIBXL_MAXMEM_CONSTANT: the slack libxl adds to every maximum it gives the hypervisor (KiB). */
    static final long MAXMEM_CONSTANT_KIB = 1024;

    private MemoryTargets() {
    }

    static String targetPath(int domid) {
        return "/local/domain/" + domid + "/memory/target";
    }

    static String staticMaxPath(int domid) {
        return "/local/domain/" + domid + "/memory/static-max";
    }

    static String videoramPath(int domid) {
        return "/local/domain/" + domid + "/memory/videoram";
    }

    /** libxl__build_pre: the new domain may hold its target plus libxl's slack. */
    static void atBuild(Domains hv, Domain d, long targetKiB) {
        hv.setMaxMemory(d.id(), targetKiB + MAXMEM_CONSTANT_KIB);
    }

    /**
     * {@code xl mem-set}: sets the domain's balloon target to {@code kib} (less its videoram) and
     * its maximum to match; returns the target written (KiB).
     *
     * @throws XlError libxl's reason (the nodes unreadable, the target above static-max)
     */
    static long setTarget(Domains hv, Xenstore store, Domain d, long kib) throws XlError {
        int id = d.id();
        try (XenstoreClient xs = store.connect()) {
            for (int attempt = 0;; attempt++) {
                XenstoreTransaction t = xs.transaction();
                long target;
                try {
                    readKiB(t, targetPath(id), "target", id); // present and well formed, as libxl checks
                    long staticMax = readKiB(t, staticMaxPath(id), "static-max", id);
                    long videoram = t.read(videoramPath(id)).map(v -> parseOr0(v)).orElse(0L);
                    target = kib - videoram;
                    if (target < 0 || target > staticMax) {
                        throw new XlError("libxl: error: Domain " + id + ": memory_dynamic_max must be less than or equal"
                                + " to memory_static_max (target " + target + " KiB, static-max " + staticMax + " KiB)");
                    }
                    hv.setMaxMemory(id, target + videoram + MAXMEM_CONSTANT_KIB);
                    t.write(targetPath(id), Long.toString(target));
                    t.write("/vm/" + d.uuid() + "/memory", Long.toString(target / 1024));
                } catch (XlError | XenstoreException | RuntimeException e) {
                    t.abort();
                    throw e;
                }
                if (t.commit()) return target;
                if (attempt == 10) throw new XlError("libxl: error: Domain " + id + ": memory/target: the transaction"
                        + " conflicted 10 times");
            }
        } catch (XenstoreException e) {
            throw new XlError("libxl: error: Domain " + id + ": xenstore: " + e.getMessage());
        }
    }

    /**
     * {@code xl mem-max}: the most the domain may hold from now on, {@code kib} plus libxl's slack.
     *
     * @throws XlError libxl's reason (target unreadable, {@code kib} below the target)
     */
    static void setMax(Domains hv, Xenstore store, Domain d, long kib) throws XlError {
        int id = d.id();
        long target;
        try (XenstoreClient xs = store.connect()) {
            target = readKiB(xs, targetPath(id), "target", id);
        } catch (XenstoreException e) {
            throw new XlError("libxl: error: Domain " + id + ": xenstore: " + e.getMessage());
        }
        if (kib < target) {
            throw new XlError("libxl: error: Domain " + id + ": memory_static_max must be greater than or equal to"
                    + " memory_dynamic_max (" + kib + " KiB, target " + target + " KiB)");
        }
        hv.setMaxMemory(id, kib + MAXMEM_CONSTANT_KIB);
    }

    /** The current target (KiB), if the node is there and well formed. */
    static Optional<Long> target(Xenstore store, int domid) {
        try (XenstoreClient xs = store.connect()) {
            return xs.read(targetPath(domid)).map(MemoryTargets::parseOr0);
        } catch (XenstoreException e) {
            return Optional.empty();
        }
    }

    private static long readKiB(org.oxen.vmm.api.backend.XenstoreOps ops, String path, String what, int id)
            throws XlError, XenstoreException {
        Optional<String> v = ops.read(path);
        if (v.isEmpty()) {
            throw new XlError("libxl: error: Domain " + id + ": Cannot get " + what + " memory info from " + path);
        }
        try {
            long kib = Long.parseLong(v.get());
            if (kib < 0) throw new NumberFormatException();
            return kib;
        } catch (NumberFormatException e) {
            throw new XlError("libxl: error: Domain " + id + ": Invalid memory " + what + " " + v.get() + " from "
                    + path);
        }
    }

    private static long parseOr0(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0; // libxl reads videoram with atoi
        }
    }
}
