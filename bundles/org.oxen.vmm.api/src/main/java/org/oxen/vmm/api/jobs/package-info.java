/**
 * Progress of long work (1.0): {@link org.oxen.vmm.api.jobs.Jobs}, a toolstack service where save,
 * restore, migration and image creation report how far they are, for the shell and the web console.
 */
@Export
@Version("1.0.0")
package org.oxen.vmm.api.jobs;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
