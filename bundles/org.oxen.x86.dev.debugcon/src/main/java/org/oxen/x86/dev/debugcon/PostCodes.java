package org.oxen.x86.dev.debugcon;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.PortRegion;

/**
 * A POST-code logger (the diagnostic card in port 0x80, Bochs' unmapped-port POST log): region
 * {@code post} (1 port); each byte written becomes a line {@code POST 0xNN} on the console.
 * Reads return all ones, as the unconnected port does, so mapping the logger changes nothing a
 * guest can see. Without it the board's null device accepts port 0x80 silently.
 */
final class PostCodes implements Device {

    private final Console console;

    PostCodes(Console console) {
        this.console = console;
    }

    @Override
    public List<PortRegion> portRegions() {
        return List.of(new PortRegion("post", 1, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return 0xFF;
            }

            @Override
            public void write8(int offset, int value) {
                byte[] line = String.format("POST 0x%02x%n", value & 0xFF).getBytes(StandardCharsets.US_ASCII);
                for (byte b : line) {
                    console.write(b);
                }
                console.flush();
            }
        }));
    }

    @Override
    public void close() {
        console.flush();
        console.close();
    }
}
