package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.oxen.toolstack.xl.cfg.PvDomainSpec;

/** The JSON xl prints for a domain's config (libxl_domain_config), as {@code create -n} and {@code list -l} show it. */
final class DomainJson {

    private DomainJson() {
    }

    static final String NO_UUID = "00000000-0000-0000-0000-000000000000";

    /** The config of a plan (what xl would build). */
    static Map<String, Object> config(DomainPlan plan) {
        PvDomainSpec s = plan.spec();
        Map<String, Object> cInfo = new LinkedHashMap<>();
        cInfo.put("type", s.hvm() ? "hvm" : "pv");
        cInfo.put("name", s.name());
        cInfo.put("uuid", plan.uuid() == null ? NO_UUID : plan.uuid());
        Map<String, Object> bInfo = new LinkedHashMap<>();
        bInfo.put("max_vcpus", s.maxvcpus());
        List<Object> avail = new ArrayList<>();
        for (int i = 0; i < s.vcpus(); i++) {
            avail.add(i);
        }
        bInfo.put("avail_vcpus", avail);
        bInfo.put("max_memkb", (long) s.maxmemMiB() * 1024);
        bInfo.put("target_memkb", (long) s.memoryMiB() * 1024);
        Map<String, Object> pv = new LinkedHashMap<>();
        pv.put("kernel", plan.kernelSource());
        pv.put("cmdline", s.cmdline());
        if (s.hvm()) {
            bInfo.put("kernel", plan.kernelSource()); // libxl keeps an HVM direct-boot kernel in b_info
            bInfo.put("cmdline", s.cmdline());
            if (s.ramdisk() != null) bInfo.put("ramdisk", s.ramdisk());
            Map<String, Object> hvm = new LinkedHashMap<>();
            hvm.put("serial", s.serial());
            bInfo.put("type.hvm", hvm);
        } else {
            bInfo.put("type.pv", pv);
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("c_info", cInfo);
        cfg.put("b_info", bInfo);
        cfg.put("on_poweroff", s.onPoweroff().word());
        cfg.put("on_reboot", s.onReboot().word());
        cfg.put("on_crash", s.onCrash().word());
        return cfg;
    }

    /** The config of a domain xl did not create: what the hypervisor knows of it. */
    static Map<String, Object> config(DomainInfo d, String uuid) {
        Map<String, Object> cInfo = new LinkedHashMap<>();
        cInfo.put("type", d.isHost() ? "host" : "pv");
        cInfo.put("name", d.name());
        cInfo.put("uuid", uuid);
        Map<String, Object> bInfo = new LinkedHashMap<>();
        bInfo.put("max_vcpus", d.vcpus().size());
        bInfo.put("max_memkb", d.maxMemoryKiB());
        bInfo.put("target_memkb", d.memoryKiB());
        if (!d.isHost()) {
            Map<String, Object> pv = new LinkedHashMap<>();
            pv.put("cmdline", d.domain().cmdline());
            bInfo.put("type.pv", pv);
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("c_info", cInfo);
        cfg.put("b_info", bInfo);
        return cfg;
    }

    /** The live state oxen adds beside the config in {@code xl list -l}. */
    static Map<String, Object> state(DomainInfo d, String source) {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("state", d.xlState());
        st.put("memkb", d.memoryKiB());
        st.put("vcpus_online", d.vcpusOnline());
        st.put("cpu_time", d.cpuTimeNanos() / 1e9);
        if (d.shutdownReason() != null) {
            st.put("shutdown_reason", d.shutdownReason().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (d.domain() != null) {
            d.domain().crashMessage().ifPresent(m -> st.put("crash_message", m));
        }
        if (source != null) {
            st.put("config_file", source);
        }
        return st;
    }
}
