package org.oxen.io.blkback;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The virtual block devices a block backend serves, with Linux blkback's statistics (what
 * xentop's VBD columns show). A service of the backend bundle.
 */
@ProviderType
public interface VbdStatistics {

    /**
     * One device: its frontend domain and device id, whether it is connected now, and its
     * counts since the backend took it over: requests and 512-byte sectors read and written,
     * flushes (and barriers), discards, requests refused with BLKIF_RSP_ERROR.
     */
    record Vbd(int domid, int devid, String backendPath, boolean connected, long reads, long writes,
            long sectorsRead, long sectorsWritten, long flushes, long discards, long errors) {
    }

    /** Every device the backend has bound, by domain then device id. */
    List<Vbd> devices();
}
