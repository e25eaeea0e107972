package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.debug.testing.GdbBatch;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;

/**
 * {@code xl debug} in a real Felix: Debian's gdb debugs a PV domain created by {@code xl create}
 * through the stub the command starts, while the hypervisor's DebugTarget services come and go
 * with the domains.
 */
class XlDebugTest extends XlSessionTest {

    @Override
    String domainPrefix() {
        return "xd-";
    }

    @Test
    void gdbDebugsADomainThroughXlDebug() throws Exception {
        Path cfg = dir.resolve("xd-gdb.cfg");
        Files.writeString(cfg, "name = \"xd-gdb\"\nkernel = \"guest:gdbtarget\"\nmemory = 16\non_poweroff = \"preserve\"\n");
        gogo.run("xl create " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find("xd-gdb").orElseThrow();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(GuestOutput.of(d) + d.consoleOutput()).contains("waiting for a debugger") && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertTrue((GuestOutput.of(d) + d.consoleOutput()).contains("waiting for a debugger"), GuestOutput.of(d));

        // errors first, each one line and status 1
        gogo.run("xl debug");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("'debug' requires a domain"), gogo.err());
        gogo.run("xl debug xd-gdb 70000");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("'70000' is not a TCP port"), gogo.err());
        gogo.run("xl debug Domain-0");
        assertEquals(1, gogo.get("xl.status"));
        gogo.run("xl debug xd-nothing");
        assertEquals(1, gogo.get("xl.status"));

        String started = gogo.run("xl debug xd-gdb");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Matcher m = Pattern.compile("gdb stub on 127\\.0\\.0\\.1:(\\d+)").matcher(started);
        assertTrue(m.find(), started);
        int port = Integer.parseInt(m.group(1));
        assertEquals(started, gogo.run("xl debug " + d.id()), "a second xl debug shows the same stub");

        Path elf = dir.resolve("gdbtarget.elf");
        Files.write(elf, GuestImages.load(GuestImages.Flavor.PV, "gdbtarget"));
        String out = gdb(elf, port, "break tick", "set var *(int*)&go = 1", "continue", "p *(int*)&counter",
                "stepi", "p *(int*)&counter", "delete", "detach");
        assertTrue(out.contains("Breakpoint 1, ") && out.contains("tick ()"), out);
        assertTrue(out.contains("$1 = 0") && out.contains("$2 = 1"), out);
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), GuestOutput.of(d));
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElse(null));
        assertTrue(GuestOutput.of(d).contains("RESULT: PASS"), GuestOutput.of(d));

        // the stub goes with its domain
        gogo.run("xl destroy xd-gdb");
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (listening(port) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThrows(IOException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                "the stub of a destroyed domain still listens");
    }

    @Test
    void gdbDebugsAnHvmDomainThroughXlDebug() throws Exception {
        Path cfg = dir.resolve("xd-hvm.cfg");
        Files.writeString(cfg, "name = \"xd-hvm\"\ntype = \"hvm\"\nkernel = \"guest-native:gdbtarget\"\nmemory = 16\n"
                + "on_poweroff = \"preserve\"\n");
        gogo.run("xl create " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find("xd-hvm").orElseThrow();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!d.consoleOutput().contains("waiting for a debugger") && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertTrue(d.consoleOutput().contains("waiting for a debugger"), d.consoleOutput());
        String started = gogo.run("xl debug xd-hvm");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Matcher m = Pattern.compile("gdb stub on 127\\.0\\.0\\.1:(\\d+)").matcher(started);
        assertTrue(m.find(), started);
        Path elf = dir.resolve("gdbtarget-native.elf");
        Files.write(elf, GuestImages.load(GuestImages.Flavor.NATIVE, "gdbtarget"));
        String out = gdb(elf, Integer.parseInt(m.group(1)), "break tick", "set var *(int*)&go = 1", "continue",
                "p *(int*)&counter", "stepi", "p *(int*)&counter", "p $cs & 3", "delete", "detach");
        assertTrue(out.contains("Breakpoint 1, ") && out.contains("tick ()"), out);
        assertTrue(out.contains("$1 = 0") && out.contains("$2 = 1") && out.contains("$3 = 0"), out);
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElse(null));
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String gdb(Path elf, int port, String... commands) throws IOException, InterruptedException {
        return GdbBatch.run(elf, port, dir, 90, "", commands);
    }
}
