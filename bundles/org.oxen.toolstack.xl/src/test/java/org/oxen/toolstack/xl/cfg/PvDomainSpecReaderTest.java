package org.oxen.toolstack.xl.cfg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.vmm.api.GuestClock;

class PvDomainSpecReaderTest {

    private static PvDomainSpec read(String text) throws XlConfigException {
        return PvDomainSpecReader.read(XlConfigParser.parse("d.cfg", text));
    }

    @Test
    void fullSpec() throws Exception {
        PvDomainSpec s = read("""
                name = "web1"
                type = "pv"
                kernel = "hello"
                cmdline = "loop=10"
                memory = 256
                maxmem = 512
                vcpus = 2
                maxvcpus = 2
                cpus = "0-1,^1"
                on_poweroff = "preserve"
                on_reboot = "destroy"
                on_crash = "restart"
                uuid = "3f5a2b1c-0d4e-4f60-8a7b-9c0d1e2f3a4b"
                clock = "instructions"
                """);
        assertEquals(new PvDomainSpec("web1", "hello", "loop=10", 256, 512, 2, 2, "0-1,^1", LifecycleAction.PRESERVE,
                LifecycleAction.DESTROY, LifecycleAction.RESTART, List.of(), false, "pty", null, GuestClock.INSTRUCTIONS), s);
    }

    @Test
    void defaultsAndLegacyCommandLine() throws Exception {
        PvDomainSpec s = read("name='a'\nkernel='k'\nroot='/dev/xvda1 ro'\nextra='quiet'\n");
        assertEquals("root=/dev/xvda1 ro quiet", s.cmdline());
        assertEquals(PvDomainSpecReader.DEFAULT_MEMORY_MIB, s.memoryMiB());
        assertEquals(s.memoryMiB(), s.maxmemMiB());
        assertEquals(1, s.vcpus());
        assertEquals(1, s.maxvcpus());
        assertEquals(null, s.cpus(), "no cpus=: every pCPU");
        PvDomainSpec hotplug = read("name='a'\nkernel='k'\nvcpus=2\nmaxvcpus=8\n");
        assertEquals(2, hotplug.vcpus(), "vcpus online at boot");
        assertEquals(8, hotplug.maxvcpus(), "vcpus created");
        assertEquals(LifecycleAction.DESTROY, s.onPoweroff());
        assertEquals(LifecycleAction.RESTART, s.onReboot());
        assertEquals(LifecycleAction.DESTROY, s.onCrash());
        assertEquals(GuestClock.DEFAULT, s.clock(), "no clock=: the hypervisor's oxen.clock");
        assertEquals(GuestClock.REAL, read("name='a'\nkernel='k'\nclock='real'\n").clock());
        PvDomainSpec w = read("name='a'\nkernel='k'\ncmdline='x'\nextra='y'\n");
        assertEquals("x", w.cmdline());
        assertEquals(List.of("ignoring \"root\" and \"extra\" in favour of \"cmdline\""), w.warnings());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "kernel='k'|d.cfg:1:1: required key 'name' is missing",
        "name='a'\\nkernel='k'\\nclock='fast'|d.cfg:3:7: 'clock': 'fast' is not a clock: use real, instructions or default",
        "name='a'\\nkernel='k'\\nclock=1|d.cfg:3:7: 'clock' must be a \"string\"",
        "name='a'|d.cfg:1:1: required key 'kernel' is missing",
        "name='a'\\nkernel='k'\\ndisk=['x']|d.cfg:3:7: disk spec 'x': no vdev (the device the guest sees, e.g. xvda)",
        "name='a'\\nkernel='k'\\ndisk='x,,xvda'|d.cfg:3:6: 'disk' must be a list: disk = [ 'DISKSPEC', ... ]",
        "name='a'\\nkernel='k'\\ndisk=[1]|d.cfg:3:7: a 'disk' entry must be a \"string\" (a DISKSPEC)",
        "name='a'\\nkernel='k'\\ndisk=['a.img,,xvda', 'b.img,,51712']|d.cfg:3:22: disk 'b.img,,51712': vdev 51712 is the same device as xvda of an earlier disk",
        "name='a'\\nkernel='k'\\npci=['01:00.0']|d.cfg:3:1: 'pci' is not supported by oxen yet, and the domain would not be what the config asks without it",
        "name='a'\\nkernel='k'\\ntype='pvh'|d.cfg:3:6: type \"pvh\" is not supported by oxen yet; \"pv\" or \"hvm\"",
        "name='a'\\nkernel='k'\\ntype='vmx'|d.cfg:3:6: unknown domain type \"vmx\"; expected \"pv\" or \"hvm\"",
        "name='a'\\nkernel='k'\\ntype='hvm'\\nserial='/dev/ttyS0'|d.cfg:4:8: 'serial' \"/dev/ttyS0\" is not supported by oxen: \"pty\" (the domain's console, xl console) or \"none\"",
        "name='a'\\nkernel='k'\\nramdisk='initrd'|d.cfg:3:1: 'ramdisk' is not supported by oxen yet for PV domains, and the domain would not be what the config asks without it (HVM domains take one)",
        "name='a'\\nkernel='k'\\ntype='hvm'\\nserial=1|d.cfg:4:8: 'serial' must be a \"string\" (\"pty\" or \"none\")",
        "name='a'\\nkernel='k'\\nmemory='lots'|d.cfg:3:8: 'memory' must be a number",
        "name='a'\\nkernel='k'\\nmemory=0|d.cfg:3:8: 'memory' = 0 is outside 1..1536",
        "name='a'\\nkernel='k'\\nmemory=1537|d.cfg:3:8: 'memory' = 1537 is outside 1..1536",
        "name='a'\\nkernel='k'\\nmaxmem=2048|d.cfg:3:8: 'maxmem' = 2048 is outside 1..1536",
        "name='a'\\nkernel='k'\\nvcpus=4\\nmaxvcpus=2|d.cfg:4:10: 'maxvcpus' (2) is below 'vcpus' (4)",
        "name='a'\\nkernel='k'\\nmaxvcpus=33|d.cfg:3:10: 'maxvcpus' = 33 is outside 1..32",
        "name='a'\\nkernel='k'\\nmemory=64\\nmaxmem=32|d.cfg:4:8: 'maxmem' (32) is below 'memory' (64)",
        "name='a'\\nkernel='k'\\nvcpus=33|d.cfg:3:7: 'vcpus' = 33 is outside 1..32",
        "name='a'\\nkernel='k'\\non_crash='explode'|d.cfg:3:10: 'on_crash' must be destroy, restart or preserve, not \"explode\"",
        "name='a'\\nkernel='k'\\non_reboot='soft-reset'|d.cfg:3:11: 'on_reboot' action \"soft-reset\" is not supported by oxen; use destroy, restart or preserve",
        "name=5\\nkernel='k'|d.cfg:1:6: 'name' must be a \"string\"",
        "name='12'\\nkernel='k'|d.cfg:1:6: 'name' \"12\": all digits: it would be taken for a domain id",
        "name='a b'\\nkernel='k'|d.cfg:1:6: 'name' \"a b\": contains whitespace or a control character",
        "name='Domain-0'\\nkernel='k'|d.cfg:1:6: 'name' \"Domain-0\": Domain-0 is reserved for domain 0 (oxen's host)",
        "name='a'\\nkernel=''|d.cfg:2:8: 'kernel' is empty",
        "name='a'\\nkernel='k'\\nuuid='nope'|d.cfg:3:6: 'uuid' is not a UUID: \"nope\"",
    })
    void badConfigsNameKeyAndPosition(String text, String message) {
        XlConfigException e = assertThrows(XlConfigException.class, () -> read(text.replace("\\n", "\n")));
        assertEquals(message, e.getMessage());
    }

    @Test
    void hvmDomains() throws Exception {
        PvDomainSpec s = read("name='h'\nkernel='guest-native:hello'\ntype='hvm'\nmemory=32\nextra='greeting=hi'\n");
        assertEquals(new PvDomainSpec("h", "guest-native:hello", "greeting=hi", 32, 32, 1, 1, null, LifecycleAction.DESTROY,
                LifecycleAction.RESTART, LifecycleAction.DESTROY, List.of(), true, "pty", null, GuestClock.DEFAULT), s);
        assertEquals("initrd.img", read("name='h'\nkernel='bzImage'\ntype='hvm'\nramdisk='initrd.img'\n").ramdisk());
        assertEquals("none", read("name='h'\nkernel='k'\nbuilder='hvm'\nserial=['none']\n").serial());
        PvDomainSpec pv = read("name='p'\nkernel='k'\nserial='pty'\n");
        assertEquals(false, pv.hvm());
        assertEquals(List.of("d.cfg:3:1: ignoring 'serial': a PV domain has no emulated serial port"), pv.warnings());
        // an HVM domain's disks are PV block devices for its PV drivers, with nothing emulated beside them
        PvDomainSpec disks = read("name='h'\nkernel='k'\ntype='hvm'\ndisk=['a.img,,xvda']\n");
        assertEquals(List.of("xvda"), disks.disks().stream().map(d -> d.vdev()).toList());
        assertEquals(List.of("d.cfg:4:1: an HVM domain's 'disk' entries are PV block devices only (for its PV drivers):"
                + " oxen has no emulated disk controller"), disks.warnings());
    }

    /** Issue 12: xl ignores keys it does not use; oxen refused every one as "unknown key". */
    @Test
    void unservedKeysAreWarnedAboutAndIgnored() throws Exception {
        PvDomainSpec s = read("name='a'\nkernel='k'\nvfb=['vnc=1']\nfrobnicate=1\n");
        assertEquals(List.of("d.cfg:3:1: ignoring 'vfb': oxen does not use it (yet)",
                "d.cfg:4:1: ignoring 'frobnicate': oxen does not use it (yet)"), s.warnings());
    }

    /** Issue 12: names with '~' (and other characters xl accepts) were refused. */
    @ParameterizedTest
    @CsvSource({"web~1", "db@host", "a+b", "café", "Δομή", "x_y.z:w-1"})
    void namesXlAcceptsAreAccepted(String name) throws Exception {
        assertEquals(name, read("name='" + name + "'\nkernel='k'\n").name());
    }
}
