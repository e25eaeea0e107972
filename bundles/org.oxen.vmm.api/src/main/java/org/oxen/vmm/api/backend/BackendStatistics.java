package org.oxen.vmm.api.backend;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The figures of the devices a backend serves (1.3), for the toolstack ({@code xl top}, xentop's
 * VBD and NET columns): a service of each backend bundle, with the {@value BackendFactory#DEVICE_TYPE}
 * property of its device type. Counter names are Linux's statistics of that backend (for a vbd:
 * {@code rd_req}, {@code wr_req}, {@code rd_sect}, {@code wr_sect}, {@code f_req}, {@code ds_req},
 * {@code oo_req}, plus {@code errors}).
 */
@ConsumerType
public interface BackendStatistics {

    /**
     * One device: its type, frontend domain and device id, whether it is connected now, and its
     * counters since the backend took it over (name to value, in the backend's order).
     */
    record Device(String type, int domid, int devid, boolean connected, Map<String, Long> counters) {
        public Device {
            Map<String, Long> copy = new LinkedHashMap<>(); // the backend's order, which Map.copyOf would lose
            counters.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "counter name"), Objects.requireNonNull(v, k)));
            counters = Collections.unmodifiableMap(copy);
        }

        /** A counter's value, 0 when the backend does not keep it. */
        public long counter(String name) {
            return counters.getOrDefault(name, 0L);
        }
    }

    /** Every device the backend serves now, by domain then device id. */
    List<Device> devices();
}
