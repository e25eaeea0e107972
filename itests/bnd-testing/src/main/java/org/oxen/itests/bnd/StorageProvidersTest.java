package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.ImageSpec;

/**
 * The storage providers in the real framework (issue 18): one BlockImageProvider service per
 * format, keyed by oxen.storage.format; qcow2 opens raw backing files through the raw service,
 * and says so clearly while the raw bundle is stopped; the oxen-img command in the shell.
 */
class StorageProvidersTest {

    @InjectService(filter = "(oxen.storage.format=raw)", timeout = 10_000)
    BlockImageProvider raw;

    @InjectService(filter = "(oxen.storage.format=qcow2)", timeout = 10_000)
    BlockImageProvider qcow2;

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @Test
    void oxenImgCreatesAndDescribesImagesInTheShell() throws Exception {
        Path dir = Files.createTempDirectory("oxen-img-it");
        try (GogoSession gogo = new GogoSession(processor)) {
            Path img = dir.resolve("d.qcow2");
            String out = gogo.run("oxen-img create -f qcow2 -o cluster_size=4k " + img + " 64M");
            assertEquals("", gogo.err());
            assertEquals(0, gogo.get("oxen-img.status"));
            assertTrue(out.startsWith("Formatting '" + img + "', fmt=qcow2 size=67108864"), out);
            String info = gogo.run("oxen-img info " + img);
            assertTrue(info.contains("file format: qcow2") && info.contains("virtual size: 64 MiB (67108864 bytes)")
                    && info.contains("cluster_size: 4096") && info.contains("    compat: 1.1"), info);
            gogo.run("oxen-img create -f vmdk " + dir.resolve("x") + " 1M");
            assertTrue(gogo.err().startsWith("oxen-img: unknown format 'vmdk'"), gogo.err());
            assertEquals(1, gogo.get("oxen-img.status"));
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void qcow2OverlaysOpenRawBackingFilesThroughTheRawService() throws Exception {
        assertEquals("raw", raw.format());
        assertEquals("qcow2", qcow2.format());
        Path dir = Files.createTempDirectory("oxen-storage-it");
        try {
            byte[] base = new byte[1 << 20];
            Arrays.fill(base, (byte) 0x3c);
            try (BlockImage b = raw.create(dir.resolve("base.raw"), ImageSpec.ofSize(base.length))) {
                b.write(0, ByteBuffer.wrap(base));
            }
            Path ov = dir.resolve("ov.qcow2");
            try (BlockImage q = qcow2.create(ov, ImageSpec.ofSize(2 << 20).withBacking("base.raw", "raw"))) {
                q.write(1000, ByteBuffer.wrap(new byte[] {1, 2, 3}));
                q.flush();
                ByteBuffer got = ByteBuffer.allocate(8);
                q.read(998, got);
                assertArrayEquals(new byte[] {0x3c, 0x3c, 1, 2, 3, 0x3c, 0x3c, 0x3c}, got.array());
                ByteBuffer past = ByteBuffer.allocate(4);
                q.read(base.length, past);
                assertArrayEquals(new byte[4], past.array(), "past the backing file's end: zeros");
            }
            byte[] header = new byte[4];
            System.arraycopy(Files.readAllBytes(ov), 0, header, 0, 4);
            assertTrue(qcow2.recognizes(header, 4) && !raw.recognizes(header, 4));

            Bundle rawBundle = Stream.of(context.getBundles())
                    .filter(b -> b.getSymbolicName().equals("org.oxen.storage.raw")).findFirst().orElseThrow();
            rawBundle.stop();
            try {
                ImageFormatException e = assertThrows(ImageFormatException.class, () -> qcow2.open(ov, AccessMode.READ_ONLY));
                assertTrue(e.getMessage().contains("has format 'raw', which no storage provider here opens"), e.getMessage());
            } finally {
                rawBundle.start();
            }
            try (BlockImage q = qcow2.open(ov, AccessMode.READ_ONLY)) {
                ByteBuffer got = ByteBuffer.allocate(3);
                q.read(1000, got);
                assertArrayEquals(new byte[] {1, 2, 3}, got.array());
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
