package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.toolstack.xl.KernelCatalog;
import org.oxen.toolstack.xl.XlError;

/** Issue 12: kernels and configs that are not what they claim get a clear error, never an OOM or a hang. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private final KernelCatalogs none = new KernelCatalogs();

    private Path cfg(String kernel, int memoryMiB) throws Exception {
        return Files.writeString(dir.resolve("d.cfg"),
                "name = \"d\"\nkernel = \"" + kernel + "\"\nmemory = " + memoryMiB + "\n");
    }

    private String error(Path cfg, KernelCatalogs kernels) {
        return assertThrows(XlError.class, () -> ConfigLoader.load(cfg, List.of(), kernels)).getMessage();
    }

    @Test
    void devZeroKernelIsRefusedNotReadUntilMemoryRunsOut() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        assertEquals(dir.resolve("d.cfg") + ":2:10: kernel \"/dev/zero\" cannot be used (/dev/zero: not a regular"
                + " file (a device, FIFO or socket))", error(cfg("/dev/zero", 4), none));
    }

    @Test
    void fifoKernelIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("k.fifo");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0);
        assertEquals(dir.resolve("d.cfg") + ":2:10: kernel \"k.fifo\" cannot be used (" + fifo
                + ": not a regular file (a device, FIFO or socket))", error(cfg("k.fifo", 4), none));
    }

    @Test
    void kernelLargerThanTheDomainsMemoryIsRefused() throws Exception {
        Files.write(dir.resolve("big.elf"), new byte[(1 << 20) + 1]);
        assertEquals(dir.resolve("d.cfg") + ":2:10: kernel \"big.elf\" cannot be used (" + dir.resolve("big.elf")
                + ": 1048577 bytes: too large (a kernel must fit the domain's memory = 1 MiB))",
                error(cfg("big.elf", 1), none));
    }

    @Test
    void anHvmRamdiskIsReadRelativeToTheConfigAndMissingOnesAreNamed() throws Exception {
        Files.write(dir.resolve("bzImage"), new byte[] {1, 2, 3});
        Files.write(dir.resolve("initrd.img"), new byte[] {4, 5});
        Path c = Files.writeString(dir.resolve("h.cfg"),
                "name = \"h\"\ntype = \"hvm\"\nkernel = \"bzImage\"\nramdisk = \"initrd.img\"\nmemory = 4\n");
        DomainPlan p = ConfigLoader.load(c, List.of(), none);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {4, 5}, p.ramdisk());
        assertEquals(2, p.withUuid("u").ramdisk().length, "a restart keeps the ramdisk");
        Files.delete(dir.resolve("initrd.img"));
        assertEquals(c + ":4:11: ramdisk \"initrd.img\" not found (" + dir.resolve("initrd.img")
                + ": No such file or directory)", error(c, none));
    }

    @Test
    void directoryKernelIsNamedAsOne() throws Exception {
        Files.createDirectory(dir.resolve("kdir"));
        assertEquals(dir.resolve("d.cfg") + ":2:10: kernel \"kdir\" cannot be used (" + dir.resolve("kdir")
                + ": Is a directory)", error(cfg("kdir", 4), none));
    }

    @Test
    void binaryConfigIsNotParsedAsText() throws Exception {
        Path bin = Files.write(dir.resolve("bin.cfg"), new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1, 0, 0});
        assertEquals("Failed to read config file: " + bin + ": not a text file (a NUL byte at offset 7); an xl.cfg is text",
                error(bin, none));
        Path latin1 = Files.write(dir.resolve("l.cfg"), new byte[] {'n', 'a', 'm', 'e', '=', '"', (byte) 0xE9, '"'});
        assertEquals("Failed to read config file: " + latin1 + ": not a text file (not UTF-8); an xl.cfg is text",
                error(latin1, none));
    }

    @Test
    void configThatIsADeviceIsRefused() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        assertEquals("Failed to read config file: /dev/zero: not a regular file (a device, FIFO or socket)",
                error(Path.of("/dev/zero"), none));
    }

    /** The structure fix: guest: kernels come from a KernelCatalog service, optional to the toolstack. */
    @Test
    void guestKernelWithoutTheGuestKitIsAClearError() throws Exception {
        XlError e = assertThrows(XlError.class, () -> ConfigLoader.load(cfg("guest:hello", 4), List.of(), none));
        assertInstanceOf(ConfigLoader.MissingKernelCatalog.class, e);
        assertEquals(dir.resolve("d.cfg") + ":2:10: kernel \"guest:hello\": no kernel catalog serves 'guest:' kernels"
                + " (the guest kit bundle org.oxen.guests serves them; it is not running)", e.getMessage());
    }

    @Test
    void guestKernelComesFromTheCatalogServingItsScheme() throws Exception {
        KernelCatalogs kernels = new KernelCatalogs();
        int[] arrivals = {0};
        kernels.onArrival(() -> arrivals[0]++);
        byte[] image = {1, 2, 3};
        KernelCatalog kit = new KernelCatalog() {
            @Override
            public List<String> names() {
                return List.of("hello");
            }

            @Override
            public Optional<byte[]> kernel(String name) {
                return name.equals("hello") ? Optional.of(image.clone()) : Optional.empty();
            }
        };
        kernels.add(kit, "guest");
        assertEquals(1, arrivals[0]);
        assertArrayEquals(image, ConfigLoader.load(cfg("guest:hello", 4), List.of(), kernels).kernel());
        assertEquals(dir.resolve("d.cfg") + ":2:10: kernel \"guest:nosuch\": no 'nosuch' among the 'guest:' kernels"
                + " [hello]", error(cfg("guest:nosuch", 4), kernels));
        kernels.remove(kit);
        assertInstanceOf(ConfigLoader.MissingKernelCatalog.class,
                assertThrows(XlError.class, () -> ConfigLoader.load(cfg("guest:hello", 4), List.of(), kernels)));
    }
}
