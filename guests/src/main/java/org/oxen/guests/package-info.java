/**
 * The guest kit's images: oxen's own test and benchmark guests, built from
 * {@code guests/programs/*.c} in two flavors and served by name through
 * {@link org.oxen.guests.GuestImages}.
 */
@Export
@Version("1.0.0")
package org.oxen.guests;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
