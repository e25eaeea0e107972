package org.oxen.toolstack.xl.cfg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * xl-disk-configuration(5)'s own examples parse as the page says they are equivalent; bad specs
 * are refused naming what is wrong; vdevs map to xen-vbd-interface(7)'s numbers.
 */
class DiskSpecParserTest {

    static final DiskSpec VOLUME = new DiskSpec("/dev/vg/guest-volume", "raw", "hda", 768, false, false, true);
    static final DiskSpec ISO = new DiskSpec("/root/image.iso", "raw", "hdc", 5632, true, true, true);

    @ParameterizedTest
    @ValueSource(strings = {
        "/dev/vg/guest-volume,,hda",
        "/dev/vg/guest-volume,raw,hda,rw",
        "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
        "raw:/dev/vg/guest-volume,hda,w",
        "phy:/dev/vg/guest-volume,hda,w",
        "tap:aio:/dev/vg/guest-volume,hda,rw",
        " /dev/vg/guest-volume , , hda",
    })
    void theManPagesEquivalentVolumeSpecs(String spec) {
        assertEquals(VOLUME, DiskSpecParser.parse(spec));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/root/image.iso,,hdc,cdrom",
        "/root/image.iso,,hdc,,cdrom",
        "/root/image.iso,raw,hdc,devtype=cdrom",
        "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
        "raw:/root/image.iso,hdc:cdrom,ro",
    })
    void theManPagesEquivalentCdromSpecs(String spec) {
        assertEquals(ISO, DiskSpecParser.parse(spec));
    }

    @org.junit.jupiter.api.Test
    void targetEqualsTakesTheRestCommasIncludedAndFormatsAndFlags() {
        assertEquals(new DiskSpec("/images/a,b.img", "qcow2", "xvdb", 51728, true, false, false),
                DiskSpecParser.parse("vdev=xvdb, no-discard, format=qcow2, access=r, target=/images/a,b.img"));
        assertEquals(new DiskSpec("d.qcow2", "qcow2", "xvda", 51712, false, false, true),
                DiskSpecParser.parse("qcow2:d.qcow2,xvda,w"));
        assertEquals("format=qcow2, vdev=xvda, access=rw, target=d.qcow2",
                DiskSpecParser.parse("d.qcow2,qcow2,xvda").canonical());
    }

    @org.junit.jupiter.api.Test
    void directIoSafeIsKeptAndSurvivesTheCanonicalForm() {
        DiskSpec direct = new DiskSpec("/images/d.img", "raw", "xvda", 51712, false, false, true, true);
        assertEquals(direct, DiskSpecParser.parse("/images/d.img,raw,xvda,rw,direct-io-safe"));
        assertEquals(direct, DiskSpecParser.parse("direct-io-safe, vdev=xvda, target=/images/d.img"));
        assertEquals("format=raw, vdev=xvda, access=rw, direct-io-safe, target=/images/d.img", direct.canonical());
        assertEquals(direct, DiskSpecParser.parse(direct.canonical()));
        assertEquals(false, DiskSpecParser.parse("/images/d.img,raw,xvda,rw,trusted").directIoSafe());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/img,,|disk spec '/img,,': no vdev (the device the guest sees, e.g. xvda)",
        ",,xvda|disk spec ',,xvda': no target (the image file)",
        ",,hdc,cdrom|disk spec ',,hdc,cdrom': an empty cdrom drive (no target) is not supported by oxen",
        "/img,vmdk,xvda|disk spec '/img,vmdk,xvda': format 'vmdk' is not one of raw, qcow, qcow2, vhd, qed",
        "/img,,xvda,rx|disk spec '/img,,xvda,rx': access 'rx' is not ro, r, rw or w",
        "/img,,xvda,rw,extra|disk spec '/img,,xvda,rw,extra': too many positional parameters at 'extra'",
        "/img,,xvda,format=raw|disk spec '/img,,xvda,format=raw': format given twice ('' and 'raw')",
        "/img,,xvda,colour=red|disk spec '/img,,xvda,colour=red': unknown parameter 'colour'",
        "/img,,xvda,script=block-iscsi|disk spec '/img,,xvda,script=block-iscsi': script 'block-iscsi': oxen runs no block hotplug scripts",
        "iscsi:iqn.x,xvda,w|disk spec 'iscsi:iqn.x,xvda,w': 'iscsi:' names a block script: oxen runs no block hotplug scripts",
        "/img,,xvda,backend=dd|disk spec '/img,,xvda,backend=dd': backend 'dd': oxen's disk backend runs in Domain-0 only",
        "/img,,hdc,rw,devtype=cdrom|disk spec '/img,,hdc,rw,devtype=cdrom': a cdrom is read-only (access 'rw')",
        "/img,,hdc,devtype=floppy|disk spec '/img,,hdc,devtype=floppy': devtype 'floppy' is not 'cdrom'",
        "/img,,hdz|disk spec '/img,,hdz': vdev 'hdz': oxen knows IDE disks hda..hdd, partitions below 64",
        "/img,,vda|disk spec '/img,,vda': vdev 'vda' is not a virtual device name (xvda, hdc, sdb1, d0p1, or a number)",
    })
    void badSpecsSayWhatIsWrong(String spec, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> DiskSpecParser.parse(spec)).getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "xvda, 51712", "xvdb, 51728", "xvda1, 51713", "xvdp15, 51967", "xvdq, 268439552", "xvdaa, 268442112",
        "hda, 768", "hdb, 832", "hdc, 5632", "hdd, 5696", "hda1, 769", "sda, 2048", "sdb2, 2066",
        "d0p1, 268435457", "768, 768",
    })
    void vdevNumbersAreXenVbdInterfaces(String vdev, int devid) {
        assertEquals(devid, VirtualDevices.devid(vdev));
    }
}
