package org.oxen.webconsole.metrics;

import java.util.ArrayList;
import java.util.List;

import org.oxen.vmm.api.backend.BackendStatistics;

/**
 * A device's I/O of one kind, from its backend's statistics (Linux's counter names, as
 * {@code xl top} reads them): for a vbd, requests and bytes read and written ({@code rd_req},
 * {@code rd_sect} × 512, ...) and flush and discard requests; for a vif, packets and bytes the
 * backend received from the frontend ({@code rx}: the domain sent them) and delivered to it
 * ({@code tx}). The one place these names become metrics. Immutable.
 */
public record DeviceIo(String type, int domid, int devid, String op, long requests, long bytes) {

    /** blkif's sector (io/blkif.h): the unit of rd_sect and wr_sect. */
    static final int SECTOR = 512;

    /** The kinds of I/O of every device the backends report now, in their order. */
    public static List<DeviceIo> of(List<BackendStatistics> backends) {
        List<DeviceIo> out = new ArrayList<>();
        for (BackendStatistics b : backends) {
            for (BackendStatistics.Device d : b.devices()) {
                switch (d.type()) {
                    case "vbd" -> {
                        out.add(new DeviceIo("vbd", d.domid(), d.devid(), "read", d.counter("rd_req"), d.counter("rd_sect") * SECTOR));
                        out.add(new DeviceIo("vbd", d.domid(), d.devid(), "write", d.counter("wr_req"), d.counter("wr_sect") * SECTOR));
                        out.add(new DeviceIo("vbd", d.domid(), d.devid(), "flush", d.counter("f_req"), 0));
                        out.add(new DeviceIo("vbd", d.domid(), d.devid(), "discard", d.counter("ds_req"), 0));
                    }
                    case "vif" -> {
                        out.add(new DeviceIo("vif", d.domid(), d.devid(), "rx", d.counter("rx_packets"), d.counter("rx_bytes")));
                        out.add(new DeviceIo("vif", d.domid(), d.devid(), "tx", d.counter("tx_packets"), d.counter("tx_bytes")));
                    }
                    default -> {
                        // a backend of another type: no I/O figures defined for it
                    }
                }
            }
        }
        return out;
    }

    /** "vbd 51712 read": the name of this entry in the JMX arrays. */
    public String label() {
        return type + " " + devid + " " + op;
    }
}
