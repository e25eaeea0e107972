package org.oxen.x86.dev.debugcon;

import java.util.ArrayList;
import java.util.List;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.PortRegion;

/**
 * Two debugging ports (QEMU hw/char/debugcon.c and hw/misc/debugexit.c):
 *
 * <ul>
 * <li>region {@code console} (1 port): each byte written goes to the console; reads return
 *     the readback value (0xE9, which lets a guest detect the port);</li>
 * <li>region {@code exit} ({@code exitsize} ports): a write of value v (of the access width)
 *     asks the board to end the machine with status {@code (v << 1) | 1}, so a guest can report
 *     success or failure to the host's exit code; reads return 0.</li>
 * </ul>
 * Both regions are optional; a description maps at least one.
 */
final class DebugCon implements Device {

    private final Console console;
    private final DeviceContext context;
    private final int readback;
    private final int exitSize;

    DebugCon(DeviceContext context, Console console, int readback, int exitSize) {
        this.context = context;
        this.console = console;
        this.readback = readback;
        this.exitSize = exitSize;
    }

    @Override
    public List<PortRegion> portRegions() {
        List<PortRegion> regions = new ArrayList<>();
        regions.add(new PortRegion("console", 1, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return readback;
            }

            @Override
            public void write8(int offset, int value) {
                console.write(value & 0xFF);
            }
        }, true));
        regions.add(new PortRegion("exit", exitSize, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return 0;
            }

            @Override
            public void write8(int offset, int value) {
                exit(value & 0xFF);
            }

            @Override
            public void write16(int offset, int value) {
                exit(value & 0xFFFF);
            }

            @Override
            public void write32(int offset, int value) {
                exit(value & 0xFFFF_FFFFL);
            }
        }, true));
        return regions;
    }

    private void exit(long v) {
        console.flush();
        context.requestExit((int) (v << 1 | 1));
    }

    @Override
    public void close() {
        console.flush();
        console.close();
    }
}
