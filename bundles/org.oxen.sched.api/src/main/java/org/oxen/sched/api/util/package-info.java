/**
 * Data structures the algorithms share: an intrusive doubly-linked queue (Xen's
 * {@code list_head}) whose links live in the scheduler's per-vcpu data, so queue operations
 * allocate nothing and removal is O(1).
 */
@Export
@Version("1.0.0")
package org.oxen.sched.api.util;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
