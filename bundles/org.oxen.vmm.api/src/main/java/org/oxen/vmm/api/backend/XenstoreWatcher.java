package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of XS_WATCH_EVENTs: once when the watch is set (Xen's initial event) and whenever the
 * watched node or a node below it changes. Called on xenstored's thread: return quickly, and
 * re-read the node instead of assuming what changed.
 */
@ConsumerType
@FunctionalInterface
public interface XenstoreWatcher {

    void fired(String path, String token);
}
