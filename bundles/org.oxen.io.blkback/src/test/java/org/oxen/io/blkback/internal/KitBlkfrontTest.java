package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.guests.GuestImages;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        try (KitBlkbackBed bed = new KitBlkbackBed(96L << 20)) {
            Vmm vmm = bed.vmm;
            XenstoreClient toolstack = bed.toolstack;
            BlkbackComponent blkback = bed.blkback;
            for (String format : new String[] { "raw", "qcow2" }) {
                Path img = dir.resolve("disk." + format);
                try (BlockImage i = (format.equals("raw") ? bed.raw : bed.qcow2).create(img,
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
                // the features Linux's blkfront negotiates, as the frontend wrote them and blkback took them
                assertEquals(Optional.of("1"), toolstack.read(fe + "/ring-page-order"), "a two-page ring");
                assertTrue(toolstack.read(fe + "/ring-ref0").isPresent() && toolstack.read(fe + "/ring-ref1").isPresent());
                assertEquals(Optional.of("1"), toolstack.read(fe + "/feature-persistent"));
                assertEquals(Optional.of("1"), toolstack.read(be + "/feature-persistent"));
                assertTrue(out.contains("2-page ring of 64, 256 segments a request, persistent grants"), out);
                Matcher m = Pattern.compile("blktest: (\\d+) requests, (\\d+) responses, .* (\\d+) ring requests, (\\d+) ring"
                        + " responses, (\\d+) merged").matcher(out);
                assertTrue(m.find(), out);
                long requests = Long.parseLong(m.group(1)), ringRequests = Long.parseLong(m.group(3));
                assertEquals(requests, Long.parseLong(m.group(2)), out);
                assertEquals(ringRequests, Long.parseLong(m.group(4)), out);
                assertEquals(requests - ringRequests, Long.parseLong(m.group(5)), "every caller request not a ring request was merged");
                // 8 MiB written and 8 MiB read (and a flush): in fewer ring requests than 11 pages each
                // could carry, so blkback took indirect requests of more than 11 segments
                assertTrue(ringRequests * 11 * 4096 < 16 << 20, "ring requests " + ringRequests + ":\n" + out);
                Map<String, Long> st = blkback.devices().stream().filter(x -> x.domid() == d.id()).findFirst()
                        .orElseThrow().counters();
                assertEquals(16L << 20 >> 9, st.get("rd_sect") + st.get("wr_sect"), "sectors blkback moved: " + st);
                assertEquals(ringRequests, st.get("rd_req") + st.get("wr_req") + st.get("f_req"),
                        "blkback answered the ring requests blkfront made: " + st);
            }
        }
    }

    /**
     * 1 MiB caller requests (blktest's {@code chunk=1024}, 4 in flight, merging off): each is one
     * BLKIF_OP_INDIRECT ring request of 256 segments in its one indirect page, blkback's maximum,
     * written, flushed, read back and verified (a segment landing in another segment's frame
     * breaks the pattern, which names each sector). Fails when blkfront caps a request below
     * 256 segments (it refuses a 1 MiB request then).
     */
    @Test
    void oneMibRequestsAreSingleIndirectRequestsOf256Segments() throws Exception {
        try (KitBlkbackBed bed = new KitBlkbackBed(96L << 20)) {
            Path img = dir.resolve("big.raw");
            bed.raw.create(img, ImageSpec.ofSize(8 << 20)).close();
            Domain d = bed.vmm.create(DomainConfig.builder("kit-1mib")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "blktest")).memoryMiB(16)
                    .cmdline("node=device/vbd/51712 seed=5 chunk=1024 depth=4 merge=0").build());
            VbdDevices.add(bed.toolstack, d.id(), new VbdDevices.Disk(51712, "xvda", "raw", img.toString(), false, false));
            assertTrue(d.awaitShutdown(180, TimeUnit.SECONDS), d.consoleOutput());
            String out = d.consoleOutput();
            assertTrue(out.contains("RESULT: PASS"), out);
            assertTrue(out.contains("blktest: read and verified 8192 KiB"), out);
            Matcher m = Pattern.compile("blktest: (\\d+) requests, (\\d+) responses, .* (\\d+) ring requests").matcher(out);
            assertTrue(m.find(), out);
            // 8 writes, the flush, 8 reads: each 1 MiB caller request one ring request
            assertEquals(17, Long.parseLong(m.group(1)), out);
            assertEquals(17, Long.parseLong(m.group(3)), out);
            Map<String, Long> st = bed.blkback.devices().stream().filter(x -> x.domid() == d.id()).findFirst()
                    .orElseThrow().counters();
            assertEquals(8, st.get("wr_req"), "1 MiB writes blkback took: " + st);
            assertEquals(8, st.get("rd_req"), "1 MiB reads blkback took: " + st);
            assertEquals(8L << 20 >> 9, st.get("wr_sect"), "sectors written: " + st);
            assertEquals(8L << 20 >> 9, st.get("rd_sect"), "sectors read: " + st);
            assertEquals(0, st.get("errors"), st.toString());
            // the service-time split the benchmark prints: every request answered in a batch, and
            // a batch's busy time holds its flushes (served on the service thread); reads and
            // writes go to the disk on the I/O threads (queue depth 8), their copies and I/O
            // outside the service thread's busy time
            long[] t = bed.blkback.serviceTimes();
            assertEquals(17, t[9], "answered");
            assertTrue(t[8] >= 1 && t[8] <= 17, "batches " + t[8]);
            assertTrue(t[1] > 0 && t[2] > 0 && t[3] > 0, "copy, I/O and flush time: " + java.util.Arrays.toString(t));
            assertTrue(t[0] >= t[3], "busy holds the flush: " + java.util.Arrays.toString(t));
            assertTrue(t[6] >= 1 && t[7] >= 0 && t[7] <= t[5], "parks, wake within parked: " + java.util.Arrays.toString(t));
        }
    }
}
