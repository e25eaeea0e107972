package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.guests.GuestImages;
import org.oxen.guests.RingfuzzReport;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

/**
 * A hostile blkif frontend from inside a guest (issue 22): the guest kit's {@code ringfuzz}
 * writes malformed requests straight onto its connected ring (unknown operations, no or too many
 * segments, segments reversed or past their page, sectors past the disk or wrapping, grant
 * references never granted, past the table, granted to another domain or read-only for a read,
 * bad indirect requests, flushes with bad segments; a good write and read-back every eighth) and
 * ends by running req_prod more than a ring ahead. The oracle: every malformed request answered
 * ERROR or EOPNOTSUPP with its id, every good one OKAY with its data (the guest checks both), the
 * overrun makes blkback halt that ring and stay Connected with nothing written to xenstore, as
 * Linux's xen-blkback (nothing more answered; the frontend's Closing and new ring are served:
 * a good write and read-back after it); meanwhile a neighbour
 * domain's blktest on its own disk writes, reads back and verifies pass after pass and passes;
 * the hypervisor counts no internal error; after both domains go (destroyed, their vbd nodes
 * removed, as xl destroy does) every frame is back and blkback serves no device (nothing of
 * theirs still mapped or running).
 */
class KitRingFuzzTest {

    static final int DEVID = 51712;

    @TempDir
    Path dir;

    /** The neighbour's write and read phases finished so far (each verified its data). */
    private static long phases(Domain d) {
        return d.consoleOutput().lines().filter(l -> l.startsWith("blktest: ") && l.contains(" KiB/s")).count();
    }

    @Test
    void malformedRingRequestsAreAnsweredWithErrorsAndAnOverrunEndsTheRingAlone() throws Exception {
        try (KitBlkbackBed bed = new KitBlkbackBed(128L << 20)) {
            Vmm vmm = bed.vmm;
            XenstoreClient toolstack = bed.toolstack;
            BlkbackComponent blkback = bed.blkback;
            RawImageProvider raw = bed.raw;
            long free = vmm.freeFrames();
            for (String name : new String[] { "hostile", "neighbour" }) {
                try (BlockImage i = raw.create(dir.resolve(name + ".img"), ImageSpec.ofSize(2 << 20))) {
                    // made
                }
            }
            Domain neighbour = vmm.create(DomainConfig.builder("neighbour")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "blktest")).memoryMiB(16)
                    .cmdline("node=device/vbd/" + DEVID + " passes=0 chunk=16 depth=4 seed=5").build());
            VbdDevices.add(toolstack, neighbour.id(), new VbdDevices.Disk(DEVID, "xvda", "raw",
                    dir.resolve("neighbour.img").toString(), false, false));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (phases(neighbour) == 0 && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(phases(neighbour) > 0, "the neighbour's I/O runs: " + neighbour.consoleOutput());

            int seed = Integer.getInteger("oxen.ringfuzz.seed", 22);
            int cases = Integer.getInteger("oxen.ringfuzz.cases", 240);
            Domain hostile = vmm.create(DomainConfig.builder("ringfuzz")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "ringfuzz")).memoryMiB(8)
                    .cmdline("node=device/vbd/" + DEVID + " seed=" + seed + " cases=" + cases).build());
            VbdDevices.add(toolstack, hostile.id(), new VbdDevices.Disk(DEVID, "xvda", "raw",
                    dir.resolve("hostile.img").toString(), false, false));
            while (!hostile.consoleOutput().contains("ringfuzz: seed") && !hostile.awaitShutdown(20, TimeUnit.MILLISECONDS)) {
                // connected: the attack starts
            }
            long phasesBefore = phases(neighbour);
            assertTrue(hostile.awaitShutdown(300, TimeUnit.SECONDS), "ringfuzz unfinished:\n" + hostile.consoleOutput());
            String out = hostile.consoleOutput();
            System.out.println(out);
            assertEquals(ShutdownReason.POWEROFF, hostile.shutdownReason().orElseThrow(), out);
            assertTrue(out.contains("RESULT: PASS"), out);
            RingfuzzReport report = RingfuzzReport.of(out);
            assertEquals(cases, report.cases());
            System.out.println("ringfuzz seed " + seed + ": sequence " + report.sequence());
            for (String kind : new String[] { "bad-op", "no-segments", "too-many-segments", "bad-sectors-in-page",
                    "past-the-disk", "bad-gref", "gref-for-another-domain", "read-into-read-only", "bad-indirect",
                    "flush-with-segments" }) {
                assertEquals(0, report.kind(kind).orElseThrow(() -> new AssertionError(kind + " was never tried:\n" + out))
                        .okay(), kind + " was answered OKAY:\n" + out);
            }
            assertEquals(cases / 8, report.kind("good").orElseThrow().okay(), out);
            // the overrun: blkback halted that ring and stayed Connected, as Linux's (nothing in
            // xenstore's error tree); the frontend closed and connected again, and its new ring is served
            assertTrue(out.contains("ringfuzz: a req_prod ") && out.contains("answers no more and stays Connected (state 4)"),
                    out);
            assertTrue(out.contains("ringfuzz: reconnected after the overrun: a good write and read-back OKAY"), out);
            assertTrue(out.contains("blkfront: device/vbd/" + DEVID + ": reconnected (1)"), out);
            String error = "/local/domain/0/error/backend/vbd/" + hostile.id() + "/" + DEVID + "/error";
            assertEquals(java.util.Optional.empty(), toolstack.read(error));
            assertEquals(1, blkback.halts(), "one ring halted");

            // the neighbour's I/O went on through all of it (verified phases finished meanwhile), and ends clean
            assertFalse(neighbour.awaitShutdown(0, TimeUnit.SECONDS), neighbour.consoleOutput());
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (phases(neighbour) <= phasesBefore + 1 && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(phases(neighbour) > phasesBefore + 1, "the neighbour's I/O goes on: " + neighbour.consoleOutput());
            toolstack.write("/local/domain/" + neighbour.id() + "/control/shutdown", "poweroff");
            assertTrue(neighbour.awaitShutdown(120, TimeUnit.SECONDS), neighbour.consoleOutput());
            String nout = neighbour.consoleOutput();
            assertTrue(nout.contains("RESULT: PASS"), nout);
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));

            for (Domain d : java.util.List.of(hostile, neighbour)) {   // as xl destroy: the domain, then its devices
                vmm.destroy(d.id());
                VbdDevices.remove(toolstack, d.id(), DEVID);
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((!blkback.devices().isEmpty() || vmm.freeFrames() != free) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(java.util.List.of(), blkback.devices(), "blkback still serves a device of a destroyed domain");
            assertEquals(free, vmm.freeFrames(), "every frame back (none still mapped by blkback)");
        }
    }
}
