package org.oxen.x86.dev.debugcon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

class DebugConTest {

    BasicDeviceContext ctx = new BasicDeviceContext();
    IoPortBus io = new IoPortBus();

    void create(String... kv) {
        Map<String, String> opts = new HashMap<>(Map.of("console", "memory:dbg"));
        for (int i = 0; i < kv.length; i += 2) {
            opts.put(kv[i], kv[i + 1]);
        }
        DeviceConfig cfg = DeviceConfig.of("debugcon", "debugcon", opts);
        io.mapDevice(new DebugConFactory().create(ctx, cfg), cfg);
        cfg.checkAllUsed();
    }

    @Test
    void bytesWrittenToTheConsolePortArePrinted() {
        create("io.console", "0xe9", "io.exit", "0xf4");
        for (char c : "hello\n".toCharArray()) {
            io.write8(0xe9, c);
        }
        assertEquals("hello\n", ctx.memoryConsole("dbg").text());
        assertEquals(0xe9, io.read8(0xe9), "readback identifies the port");
    }

    @Test
    void exitStatusIsValueShiftedLeftOrOne() {
        create("io.console", "0xe9", "io.exit", "0xf4");
        io.write8(0xf4, 0x10);
        io.write32(0xf4, 0);
        io.write16(0xf4, 0x1234);
        assertEquals(List.of(0x21, 1, 0x2469), ctx.exitRequests());
        assertEquals(0xff, io.read8(0xf8), "exitsize 4: 0xf8 is not ours");
    }

    @Test
    void exitOnlyWithOnePort() {
        create("io.exit", "0x501", "exitsize", "1");
        io.write8(0x501, 0);
        assertEquals(List.of(1), ctx.exitRequests());
        assertEquals(0xff, io.read8(0xe9), "no console region mapped");
    }

    @Test
    void neitherPortIsAnError() {
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> create());
        assertTrue(e.getMessage().startsWith("device debugcon (debugcon): option 'io.console': missing"), e.getMessage());
    }
}
