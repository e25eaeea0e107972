package org.oxen.io.vswitch;

import org.osgi.annotation.versioning.ProviderType;

/** A bridge's link to something beyond this oxen (a UDP tunnel to another oxen's bridge). */
@ProviderType
public interface Uplink extends AutoCloseable {

    /** What the link is, e.g. {@code udp 127.0.0.1:7000 -> 127.0.0.1:7001}. */
    String description();

    /** Its port on the bridge. */
    SwitchPort port();

    /** Frames the far end sent that were not Ethernet frames the bridge takes (counted, dropped). */
    long malformed();

    /** Detaches the port and closes the link. Idempotent. */
    @Override
    void close();
}
