/**
 * The virtual switch: learning Ethernet bridges that devices attach to by name (as vifs attach
 * to xenbr0 in Xen). {@link org.oxen.io.vswitch.VirtualSwitches} is the service; a device
 * attaches a {@link org.oxen.io.vswitch.FrameSink} to a {@link org.oxen.io.vswitch.Bridge} and
 * gets a {@link org.oxen.io.vswitch.SwitchPort} to send frames into the bridge; each port counts
 * what passes ({@link org.oxen.io.vswitch.PortCounters}); a bridge can capture every frame that
 * enters any of its ports to a pcap file; an {@link org.oxen.io.vswitch.Uplink} joins a bridge to
 * another oxen's bridge over a UDP tunnel. Frames carry their checksum state
 * ({@link org.oxen.io.vswitch.FrameChecksum}) between the ports that can use it.
 */
@Export
@Version("1.1.0")
package org.oxen.io.vswitch;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
