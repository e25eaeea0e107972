package org.oxen.x86.dev.debugcon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

class PostCodesTest {

    BasicDeviceContext ctx = new BasicDeviceContext();
    IoPortBus io = new IoPortBus();

    @Test
    void unconnectedPort80AcceptsPostCodesSilently() {
        io.write8(0x80, 0x12);
        io.write16(0x80, 0x3456);
        assertEquals(0xFF, io.read8(0x80), "the null device: all ones, writes ignored");
    }

    @Test
    void theLoggerPrintsEachCodeAndReadsLikeTheUnconnectedPort() {
        DeviceConfig cfg = DeviceConfig.of("post", "postcode", Map.of("io.post", "0x80", "console", "memory:post"));
        io.mapDevice(new PostCodesFactory().create(ctx, cfg), cfg);
        cfg.checkAllUsed();
        io.write8(0x80, 0x01);
        io.write8(0x80, 0xAB);
        assertEquals(String.format("POST 0x01%nPOST 0xab%n"), ctx.memoryConsole("post").text());
        assertEquals(0xFF, io.read8(0x80));
        assertEquals(0xFF, io.read8(0x81), "one port only");
    }

    @Test
    void aMissingPortIsNamed() {
        DeviceConfig cfg = DeviceConfig.of("post", "postcode", Map.of("console", "memory:post"));
        DeviceConfigException e = assertThrows(DeviceConfigException.class,
                () -> io.mapDevice(new PostCodesFactory().create(ctx, cfg), cfg));
        assertEquals(true, e.getMessage().contains("io.post"), e.getMessage());
    }
}
