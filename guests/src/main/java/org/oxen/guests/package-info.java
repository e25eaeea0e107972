/**
 * The guest kit's images: oxen's own test and benchmark guests, built from
 * {@code guests/programs/*.c} in two flavors and served by name through
 * {@link org.oxen.guests.GuestImages}; 1.1: {@link org.oxen.guests.RingfuzzReport}, the ring
 * fuzzers' console report read back.
 */
@Export
@Version("1.2.0")
package org.oxen.guests;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
