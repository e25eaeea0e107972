package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.BackendStatistics;

/**
 * Disks through xl in a real Felix: {@code disk = [...]} in xl.cfg and {@code xl block-attach}
 * write the vbd nodes as libxl does; the blkback bundle's factory, bound by xenbus, answers
 * (InitWait, its features published); {@code xl block-list}, {@code xl top}'s VBD columns and
 * {@code xl block-detach -f} see and remove the devices; stopping the blkback bundle closes its
 * devices, starting or updating it serves them again; the domain's devices go with it.
 */
class XlBlockTest extends XlSessionTest {

    @Override
    String domainPrefix() {
        return "blk-";
    }

    private Bundle blkback() {
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals("org.oxen.io.blkback")) return b;
        }
        throw new AssertionError("org.oxen.io.blkback is not in the framework");
    }

    @Test
    void disksFromTheConfigAndBlockAttachAreServedListedSwappedAndRemoved() throws Exception {
        Path raw = dir.resolve("root.img");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(4 << 20);
        }
        Domain d = create("blk-1", "guest:hello", 16, "wait_shutdown=1", "root.img,raw,xvda,rw");
        String be = "/local/domain/0/backend/vbd/" + d.id() + "/51712";
        String fe = "/local/domain/" + d.id() + "/device/vbd/51712";
        assertEquals(Optional.of("raw:" + raw.toAbsolutePath()), xs.read(be + "/params"));
        assertEquals(Optional.of("w"), xs.read(be + "/mode"));
        assertEquals(Optional.of("xvda"), xs.read(be + "/dev"));
        assertEquals(Optional.of(fe), xs.read(be + "/frontend"));
        assertEquals(Optional.of(be), xs.read(fe + "/backend"));
        assertEquals(Optional.of("51712"), xs.read(fe + "/virtual-device"));
        assertEquals(Optional.of("2"), xs.read(be + "/state"), "blkback bound and waiting for the frontend");
        assertEquals(Optional.of("256"), xs.read(be + "/feature-max-indirect-segments"));
        assertEquals(Optional.of("4"), xs.read(be + "/max-ring-page-order"));

        // block-attach a qcow2 image made by oxen-img, read-only, by key=value
        Path q = dir.resolve("data.qcow2");
        gogo.run("oxen-img create -f qcow2 " + q + " 1M");
        gogo.run("xl block-attach blk-1 format=qcow2 vdev=xvdb access=ro target=" + q);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        String be2 = "/local/domain/0/backend/vbd/" + d.id() + "/51728";
        assertEquals(Optional.of("r"), xs.read(be2 + "/mode"));
        awaitNode(be2 + "/state", "2");
        String list = gogo.run("xl block-list blk-1");
        assertEquals(List.of("Vdev  BE  handle state evt-ch ring-ref BE-path                       ",
                String.format("%-5d %-3d %-6d %-5d %-6d %-8d %-30s", 51712, 0, d.id(), 1, -1, -1, be),
                String.format("%-5d %-3d %-6d %-5d %-6d %-8d %-30s", 51728, 0, d.id(), 1, -1, -1, be2)),
                list.lines().toList());
        // the same device twice, and bad specs, are refused by name
        gogo.run("xl block-attach blk-1 " + q + ",qcow2,xvdb");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("already has vbd 51728"), gogo.err());
        gogo.run("xl block-attach blk-1 " + q + ",vmdk,xvdc");
        assertTrue(gogo.err().contains("format 'vmdk' is not one of raw, qcow, qcow2, vhd, qed"), gogo.err());
        gogo.run("xl block-attach blk-1 " + dir.resolve("missing.img") + ",raw,xvdc");
        assertTrue(gogo.err().contains("No such file or directory"), gogo.err());

        // xl top counts the domain's two vbds
        String top = gogo.run("xl top -b -i 1 -d 0.1");
        assertTrue(top.lines().findFirst().orElse("").contains("VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT"), top);
        String row = top.lines().filter(l -> l.trim().startsWith("blk-1 ")).findFirst().orElseThrow();
        assertTrue(row.matches(".* 2 +0 +0 +0 +0 +0$"), row);

        // the backend bundle stopped: its devices close; started: they are served again
        Bundle b = blkback();
        b.stop();
        awaitNode(be + "/state", "6");
        awaitNode(be2 + "/state", "6");
        b.start();
        awaitNode(be + "/state", "2");
        awaitNode(be2 + "/state", "2");
        // updated in place (the bundle re-read from its file): closed, then served by the new revision
        Object before = vbdStatistics().getProperty("service.id");
        b.update();
        awaitNode(be + "/state", "2");
        awaitNode(be2 + "/state", "2");
        assertEquals(Bundle.ACTIVE, b.getState());
        Object after = vbdStatistics().getProperty("service.id");
        assertTrue(!before.equals(after), "a new factory serves the disks after the update: " + before + " " + after);
        assertEquals(2, context.getService(vbdStatistics()).devices().size());

        // detach (forced: the hello guest has no block frontend to answer)
        gogo.run("xl block-detach -f blk-1 xvdb");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertEquals(Optional.empty(), xs.read(be2 + "/frontend"));
        assertEquals(2, gogo.run("xl block-list blk-1").lines().count());
        gogo.run("xl block-detach blk-1 xvdz");
        assertTrue(gogo.err().contains("Device xvdz not connected"), gogo.err());

        // the domain goes: so do its devices
        gogo.run("xl destroy blk-1");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (xs.read(be + "/frontend").isPresent()) {
            assertTrue(System.nanoTime() < end, "backend directory left after destroy");
            Thread.sleep(5);
        }
    }

    @Test
    void aConfigWhoseDiskIsMissingCreatesNothing() throws Exception {
        Path cfg = dir.resolve("nodisk.cfg");
        Files.writeString(cfg, "name = \"blk-2\"\nkernel = \"guest:hello\"\nmemory = 16\ndisk = [ 'nothere.img,,xvda' ]\n");
        gogo.run("xl create " + cfg);
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("disk xvda: target " + dir.resolve("nothere.img").toAbsolutePath()
                + ": No such file or directory"), gogo.err());
        assertTrue(hv.find("blk-2").isEmpty());
    }

    /** blkback's statistics (netback provides the service too, for its vifs). */
    private org.osgi.framework.ServiceReference<BackendStatistics> vbdStatistics() throws Exception {
        var refs = context.getServiceReferences(BackendStatistics.class,
                "(" + org.oxen.vmm.api.backend.BackendFactory.DEVICE_TYPE + "=vbd)");
        assertEquals(1, refs.size(), "one vbd BackendStatistics");
        return refs.iterator().next();
    }
}
