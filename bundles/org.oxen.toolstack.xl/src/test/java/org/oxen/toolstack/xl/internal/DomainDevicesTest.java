package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The disks in a saved domain's toolstack data: written and read back, and read from a version 3 file. */
class DomainDevicesTest {

    @Test
    void disksKeepDirectIoSafeThroughToolstackDataAndAVersion3RecordReadsWithoutIt() throws Exception {
        DomainDevices.Devices devices = new DomainDevices.Devices(List.of(
                new VbdDevices.Disk(51712, "xvda", "raw", "/images/a.img", false, false, true, true),
                new VbdDevices.Disk(51728, "xvdb", "qcow2", "/images/b.qcow2", true, false, false, false)), List.of());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            DomainDevices.write(out, devices);
        }
        DomainDevices.Devices back = DomainDevices.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 4);
        assertEquals(devices.disks(), back.disks());

        ByteArrayOutputStream v3 = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(v3)) {
            out.writeInt(1);
            out.writeInt(51712);
            out.writeUTF("xvda");
            out.writeUTF("raw");
            out.writeUTF("/images/a.img");
            out.writeBoolean(false);
            out.writeBoolean(false);
            out.writeBoolean(true);
            out.writeInt(0); // no vifs
        }
        DomainDevices.Devices old = DomainDevices.readFrom(new DataInputStream(new ByteArrayInputStream(v3.toByteArray())), 3);
        assertEquals(List.of(new VbdDevices.Disk(51712, "xvda", "raw", "/images/a.img", false, false, true, false)), old.disks());
        assertEquals(List.of(), old.vifs());
    }
}
