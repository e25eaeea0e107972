package org.oxen.io.xenstore.domain;

import java.util.List;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.IntroducedDomain;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * The nodes a toolstack writes for each domain, as libxl does (libxl_create.c's
 * libxl__domain_make, libxl_dom.c's libxl__build_post), in one transaction before the domain
 * runs, and removes when it is destroyed (libxl__destroy_domid):
 *
 * <pre>
 * /local/domain/&lt;id&gt;                 (n0,r&lt;id&gt;)  name, domid, vm
 *   cpu/&lt;n&gt;/availability      (n0,r&lt;id&gt;)  "online" for each vcpu
 *   memory/static-max, target (n0,r&lt;id&gt;)  KiB: maxmem, and memory less videoram (the balloon target)
 *   memory/videoram           (n0,r&lt;id&gt;)  KiB: "0" (oxen emulates no graphics card)
 *   store/port, store/ring-ref (n0,r&lt;id&gt;)  start_info's store_evtchn and store_mfn
 *   control                   (n0,r&lt;id&gt;)  platform-feature-xs_reset_watches = "1"
 *   control/shutdown, control/feature-poweroff, -reboot, -suspend, control/sysrq   (n&lt;id&gt;) ""
 *   device, data, drivers, feature, attr, error                              (n&lt;id&gt;) ""
 * /vm/&lt;uuid&gt;                          (n0,r&lt;id&gt;)  uuid, name
 * </pre>
 *
 * The guest owns what it may write (libxl's rwperm); the rest it may only read (roperm). Its
 * PV drivers announce what they answer by writing "1" into control/feature-poweroff etc., as
 * Linux and the oxen guest kit do. The console's nodes (console/*) are the console backend's.
 *
 * <p>oxen's toolstack half of domain creation lives beside xenstored because every domain,
 * whether xl created it or not, is introduced through the VMM's {@code DomainIntroducer}
 * whiteboard. Thread-safe (stateless over the store).
 */
public final class ToolstackPaths {

    private ToolstackPaths() {
    }

    /** /local/domain/&lt;id&gt;. */
    public static String domainPath(int domid) {
        return "/local/domain/" + domid;
    }

    /** /vm/&lt;uuid&gt;. */
    public static String vmPath(Domain d) {
        return "/vm/" + d.uuid();
    }

    /** Writes the domain's nodes (retrying the transaction on EAGAIN). */
    public static void write(XenstoreClient xs, IntroducedDomain link) throws XenstoreException {
        Domain d = link.domain();
        int id = d.id();
        String dom = domainPath(id);
        String vm = vmPath(d);
        List<String> ro = List.of("n0", "r" + id);
        List<String> rw = List.of("n" + id);
        for (int attempt = 0;; attempt++) {
            XenstoreTransaction t = xs.transaction();
            try {
                t.rm(dom);
                t.mkdir(dom);
                t.setPermissions(dom, ro);
                t.rm(vm);
                t.mkdir(vm);
                t.setPermissions(vm, ro);
                t.write(vm + "/uuid", d.uuid().toString());
                t.write(vm + "/name", d.name());
                t.write(dom + "/vm", vm);
                t.write(dom + "/name", d.name());
                t.write(dom + "/domid", Integer.toString(id));
                for (int v = 0; v < d.vcpus().size(); v++) {
                    t.write(dom + "/cpu/" + v + "/availability", "online");
                }
                t.write(dom + "/memory/static-max", Long.toString(d.maxMemoryKiB()));
                t.write(dom + "/memory/target", Long.toString(d.configuredMemoryKiB()));
                t.write(dom + "/memory/videoram", "0");
                t.write(dom + "/store/port", Integer.toString(link.storeEventChannel()));
                t.write(dom + "/store/ring-ref", Long.toString(link.storeMfn()));
                t.write(dom + "/control/platform-feature-xs_reset_watches", "1");
                for (String n : new String[] {"control/shutdown", "control/feature-poweroff", "control/feature-reboot",
                        "control/feature-suspend", "control/sysrq", "device", "data", "drivers", "feature", "attr",
                        "error"}) {
                    t.write(dom + "/" + n, "");
                    t.setPermissions(dom + "/" + n, rw);
                }
            } catch (XenstoreException | RuntimeException e) {
                t.abort();
                throw e;
            }
            if (t.commit()) return;
            if (attempt == 10) throw new XenstoreException("EAGAIN", "writing " + dom + " conflicted 10 times");
        }
    }

    /** Removes the domain's nodes and its backends' directories (libxl__destroy_domid). */
    public static void remove(XenstoreClient xs, Domain d) throws XenstoreException {
        xs.rm(domainPath(d.id()));
        xs.rm(vmPath(d));
    }
}
