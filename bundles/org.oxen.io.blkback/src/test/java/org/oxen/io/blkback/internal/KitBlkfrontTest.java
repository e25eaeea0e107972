package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.guests.GuestImages;
import org.oxen.io.xenbus.internal.XenbusBackends;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.qcow2.Qcow2ImageProvider;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

import java.util.Map;

/**
 * The guest kit's blkfront (C) against blkback without a framework: the kit's {@code blktest}
 * in a real domain (xenstore on its store ring) on the toolstack's vbd nodes for a raw and a
 * qcow2 image, writing, flushing, reading back and verifying every sector.
 */
class KitBlkfrontTest {

    @TempDir
    Path dir;

    @Test
    void theKitsBlktestVerifiesRawAndQcow2ThroughBlkback() throws Exception {
        Vmm vmm = new Vmm(96L << 20, 2);
        XenstoreComponent xenstored = new XenstoreComponent(vmm.eventChannels());
        vmm.addIntroducer(xenstored);
        XenstoreClient toolstack = xenstored.connect();
        XenbusBackends xenbus = new XenbusBackends(xenstored, vmm.eventChannels());
        xenbus.setGrants(vmm.grantTables());
        BlkbackComponent blkback = new BlkbackComponent();
        RawImageProvider raw = new RawImageProvider();
        blkback.addProvider(raw);
        blkback.addProvider(new Qcow2ImageProvider(raw));
        xenbus.addFactory(blkback, Map.of(BackendFactory.DEVICE_TYPE, "vbd", "service.id", 1L));
        try {
            for (String format : new String[] { "raw", "qcow2" }) {
                Path img = dir.resolve("disk." + format);
                try (BlockImage i = (format.equals("raw") ? raw : new Qcow2ImageProvider(raw)).create(img,
                        ImageSpec.ofSize(8 << 20))) {
                    // made
                }
                Domain d = vmm.create(DomainConfig.builder("kit-" + format)
                        .kernel(GuestImages.load(GuestImages.Flavor.PV, "blktest")).memoryMiB(16)
                        .cmdline("node=device/vbd/51712 seed=9").build());
                VbdDevices.add(toolstack, d.id(), new VbdDevices.Disk(51712, "xvda", format, img.toString(), false, false));
                String fe = VbdDevices.frontendPath(d.id(), 51712), be = VbdDevices.backendPath(d.id(), 51712);
                assertTrue(d.awaitShutdown(180, TimeUnit.SECONDS), format + ":\n" + d.consoleOutput() + "\nfrontend "
                        + toolstack.directory(fe) + " state " + toolstack.read(fe + "/state") + ", backend state "
                        + toolstack.read(be + "/state") + " perms " + toolstack.permissions(fe));
                String out = d.consoleOutput();
                assertTrue(out.contains("RESULT: PASS"), format + ":\n" + out);
                assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
                out.lines().filter(l -> l.startsWith("blk")).forEach(l -> System.out.println(format + ": " + l));
            }
        } finally {
            xenbus.deactivate();
            toolstack.close();
            vmm.shutdown();
            xenstored.deactivate();
        }
    }
}
