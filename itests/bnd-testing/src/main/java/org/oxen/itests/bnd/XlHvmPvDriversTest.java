package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;

/**
 * PV drivers in HVM domains, served by the real backends: the kit's blkfront and netfront (C) in
 * native programs that run as {@code type = "hvm"} domains created through xl with
 * {@code disk = [...]} and {@code vif = [...]}, on Xen's HVM platform interface as Linux's PVHVM
 * drivers use it (lib/native/pvhvm.c: CPUID leaves, the hypercall page, shared_info and the grant
 * frames by add_to_physmap, xenstore at HVM_PARAM_STORE_PFN/EVTCHN, event channels through the
 * Xen platform PCI device's INTx, grants naming GFNs). blkback maps those grants through the
 * domain's P2M; netback copies to and from them.
 */
class XlHvmPvDriversTest extends XlSessionTest {

    private static final int MIB = 16;
    private static final Pattern UDP = Pattern.compile("netecho: udp sent (\\d+), echoed (\\d+), lost (\\d+), duplicates (\\d+)");

    @Override
    String domainPrefix() {
        return "hvmpv-";
    }

    /** The COM1 output of an HVM domain, read through {@code xl console} (it returns once the domain ended). */
    private String consoleAfterEnd(Domain d) throws Exception {
        assertTrue(d.awaitShutdown(600, TimeUnit.SECONDS), d.name() + " did not finish:\n" + d.consoleOutput());
        return gogo.run("xl console " + d.name());
    }

    @Test
    void blkfrontInAnHvmDomainWritesAndVerifiesADiskThroughBlkback() throws Exception {
        Path raw = dir.resolve("hvm-disk.img");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength((long) MIB << 20);
        }
        Domain d = createFromConfig("hvmpv-blk", "type = \"hvm\"\nkernel = \"guest-native:blktest\"\nmemory = 32\n"
                + "extra = \"node=device/vbd/51712 seed=7 depth=8\"\non_poweroff = \"preserve\"\n"
                + "disk = [ '" + raw + ",raw,xvda,rw' ]\n");
        assertTrue(gogo.err().contains("PV block devices only"), "xl says what an HVM domain's disk is: " + gogo.err());
        String out = consoleAfterEnd(d);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), out);
        assertTrue(out.strip().endsWith("RESULT: PASS"), out);
        assertTrue(out.contains("pvhvm: Xen ") && out.contains("events as IRQ 11"), "the platform interface:\n" + out);
        assertTrue(out.contains("blktest: wrote " + (MIB << 10) + " KiB")
                && out.contains("blktest: read and verified " + (MIB << 10) + " KiB"), out);
        out.lines().filter(l -> l.startsWith("blktest:") || l.startsWith("pvhvm:")).forEach(l -> System.out.println("hvm: " + l));
        // the pattern is on the image: each sector starts with its number and the seed
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
            for (long sector : new long[] {0, 5, ((long) MIB << 11) - 1}) {
                f.seek(sector * 512);
                assertEquals(sector, Integer.reverseBytes(f.readInt()), "sector " + sector);
                assertEquals(7, Integer.reverseBytes(f.readInt()), "sector " + sector + "'s seed");
            }
        }
        assertEquals("", gogo.run("xl destroy hvmpv-blk"));
        awaitNode("/local/domain/0/backend/vbd/" + d.id(), java.util.Optional.empty());
    }

    @Test
    void netfrontInAnHvmDomainExchangesFramesWithAPvDomainThroughNetback() throws Exception {
        Domain server = createFromConfig("hvmpv-echo", "kernel = \"guest:netecho\"\nmemory = 16\nextra = \"ip=10.23.0.1\"\n"
                + "on_poweroff = \"preserve\"\nvif = [ 'mac=00:16:3e:00:23:01, bridge=xenbr0' ]\n");
        Domain client = createFromConfig("hvmpv-net", "type = \"hvm\"\nkernel = \"guest-native:netecho\"\nmemory = 32\n"
                + "extra = \"ip=10.23.0.2 ping=10.23.0.1 pings=5 udp=10.23.0.1 count=400 window=8\"\n"
                + "on_poweroff = \"preserve\"\nvif = [ 'mac=00:16:3e:00:23:02, bridge=xenbr0' ]\n");
        String out = consoleAfterEnd(client);
        assertEquals(ShutdownReason.POWEROFF, client.shutdownReason().orElseThrow(), out);
        assertTrue(out.strip().endsWith("RESULT: PASS"), out);
        assertTrue(out.contains("pvhvm: Xen "), out);
        Matcher m = UDP.matcher(out);
        assertTrue(m.find(), out);
        assertEquals(400, Long.parseLong(m.group(1)), out);
        assertEquals(400, Long.parseLong(m.group(2)), "every datagram echoed by the PV domain:\n" + out);
        out.lines().filter(l -> l.startsWith("netecho:") || l.startsWith("netfront:")).forEach(l -> System.out.println("hvm: " + l));
        gogo.run("xl shutdown -w hvmpv-echo");
        String served = GuestOutput.of(server);
        assertTrue(served.strip().endsWith("RESULT: PASS"), served);
    }
}
