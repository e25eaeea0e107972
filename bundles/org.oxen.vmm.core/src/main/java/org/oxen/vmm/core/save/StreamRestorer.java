package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.core.build.DomainImageBuilder;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.x86.api.Ram;
import org.oxen.x86.api.device.DeviceStateException;

/**
 * What the PV and the HVM restorer share (libxc's xc_sr_restore.c beside its x86_pv and x86_hvm
 * halves): the builder's face of a restore, with every failure of the stream or of a device's
 * state a {@link DomainBuildException} naming the domain, and the loop over the records after
 * DOMAIN_CONFIG up to END, which keeps TOOLSTACK and SHARED_INFO and hands every other record to
 * the subclass (which refuses what it does not restore).
 */
public abstract class StreamRestorer implements DomainImageBuilder {

    /** One record's body, given to the subclass. */
    @FunctionalInterface
    interface RecordHandler {
        void record(int type, ByteBuffer body) throws IOException, DomainBuildException;
    }

    final StreamReader r;
    final SavedConfig cfg;
    final FramePool pool;
    final PageTables pt;
    final Ram ram;
    /** SHARED_INFO's page, once read. */
    byte[] shared;
    long pagesReceived;
    private byte[] toolstack = new byte[0];

    StreamRestorer(StreamReader r, SavedConfig cfg, FramePool pool, PageTables pt) {
        this.r = r;
        this.cfg = cfg;
        this.pool = pool;
        this.pt = pt;
        this.ram = pool.ram();
    }

    /** The TOOLSTACK record's bytes (empty without one). */
    public byte[] toolstack() {
        return toolstack;
    }

    public long pagesReceived() {
        return pagesReceived;
    }

    @Override
    public final Built build(DomainImpl d, byte[] image, String cmdline, int nrPages) throws DomainBuildException {
        try {
            return restore(d);
        } catch (StreamFormatException e) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + e.getMessage(), e);
        } catch (DeviceStateException e) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: device state: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new DomainBuildException("restore of '" + cfg.name() + "' refused: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DomainBuildException("restore of '" + cfg.name() + "': reading the stream failed at byte "
                    + r.offset() + ": " + e, e);
        }
    }

    /** Reads the rest of the stream into the new domain {@code d}. */
    abstract Built restore(DomainImpl d) throws IOException, DomainBuildException;

    /** The records up to END: TOOLSTACK and SHARED_INFO kept here, every other one to {@code h}. */
    final void readRecords(RecordHandler h) throws IOException, DomainBuildException {
        for (;;) {
            int t = r.next();
            ByteBuffer b = r.body();
            switch (t) {
                case REC_END -> {
                    return;
                }
                case REC_TOOLSTACK -> {
                    toolstack = new byte[b.remaining()];
                    b.get(toolstack);
                }
                case REC_SHARED_INFO -> {
                    r.need(4096, "shared_info");
                    shared = new byte[4096];
                    b.get(shared);
                }
                default -> h.record(t, b);
            }
        }
    }
}
