/**
 * xl.cfg, the domain configuration format of Xen's xl: the syntax (Xen's libxlu grammar:
 * {@code key = value} settings, strings, numbers, lists, {@code +} concatenation, {@code +=},
 * comments, lists and backslash-newline spanning lines) and the typed view of the keys a PV
 * domain uses (1.2: oxen's {@code clock} key, {@code PvDomainSpec.clock()}; 1.3: {@code disk}, the
 * one DISKSPEC parser {@code DiskSpecParser} with {@code DiskSpec} and {@code VirtualDevices}; 1.4:
 * {@code vif}, {@code VifSpec}, the xl-network-configuration syntax; 1.5: {@code XlConfigParser.quoteBareValue} public). Errors carry
 * {@code file:line:column}.
 */
@Export
@Version("1.6.0")
package org.oxen.toolstack.xl.cfg;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
