package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.core.Vmm;
import org.oxen.x86.machine.internal.Guests;

/**
 * The Linux x86 boot protocol for HVM domains: the board's bzImage-format test kernel, its
 * command line and ramdisk, through the same loader as the bare machine, into the domain's
 * pseudo-physical memory.
 */
class HvmLinuxBootTest {

    @Test
    void aBzImageWithCommandLineAndRamdiskBootsAsAnHvmDomain(@TempDir Path dir) throws Exception {
        byte[] bz = Files.readAllBytes(Guests.bzImage("bzimage", dir));
        byte[] initrd = "HVM-INITRD\nmore".getBytes(StandardCharsets.US_ASCII);
        Vmm vmm = HvmTestSupport.vmm(128, 1);
        try {
            long free = vmm.freeFrames();
            Domain d = vmm.create(DomainConfig.builder("bz").type(DomainType.HVM).kernel(bz).ramdisk(initrd).memoryMiB(24)
                    .cmdline("console=ttyS0 root=/dev/ram0").build());
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), String.join("\n", vmm.dmesg()));
            String log = String.join("\n", vmm.dmesg());
            String p = "(d" + d.id() + ") ";
            assertTrue(log.contains(p + "bz: cmdline=console=ttyS0 root=/dev/ram0"), log);
            assertTrue(log.contains(p + "bz: e820 entries=00000006 ram above 1 MiB=01700000"), log);
            assertTrue(log.contains(p + "bz: initrd=HVM-INITRD size=0000000f"), log);
            assertTrue(log.contains("d" + d.id() + ": isa-debug-exit: status 33"), log);
            assertTrue(log.contains("Linux bzImage"), log);
            vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void aRamdiskBesideANonLinuxKernelIsRefused() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(128, 1);
        try {
            long free = vmm.freeFrames();
            DomainBuildException e = assertThrows(DomainBuildException.class, () -> vmm.create(DomainConfig.builder("mb")
                    .type(DomainType.HVM).kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hello"))
                    .ramdisk(new byte[16]).memoryMiB(8).build()));
            assertTrue(e.getMessage().contains("not a Linux bzImage (a multiboot image)"), e.getMessage());
            assertEquals(free, vmm.freeFrames());
            assertThrows(IllegalArgumentException.class, () -> DomainConfig.builder("pv")
                    .kernel(new byte[16]).ramdisk(new byte[16]).build());
        } finally {
            vmm.shutdown();
        }
    }
}
