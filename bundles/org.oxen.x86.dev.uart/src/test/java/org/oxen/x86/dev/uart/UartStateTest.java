package org.oxen.x86.dev.uart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.DeviceStateException;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/** Save and load of the 16550A: registers, the receive FIFO in order, the interrupt it drives. */
class UartStateTest {

    static final int COM1 = 0x3f8;

    record Port(BasicDeviceContext ctx, IoPortBus io, Device uart) {
        static Port create() {
            BasicDeviceContext ctx = new BasicDeviceContext();
            IoPortBus io = new IoPortBus();
            DeviceConfig cfg = DeviceConfig.of("com1", "uart",
                    new HashMap<>(Map.of("io.uart", "0x3f8", "irq", "4", "console", "none")));
            Device uart = new UartFactory().create(ctx, cfg);
            io.mapDevice(uart, cfg);
            return new Port(ctx, io, uart);
        }
    }

    @Test
    void fifoAndInterruptSurviveALoad() {
        Port a = Port.create();
        a.io.write8(COM1 + 3, 0x83); // DLAB
        a.io.write8(COM1, 0x01);
        a.io.write8(COM1 + 3, 0x03);
        a.io.write8(COM1 + 2, 0xc7); // FIFO, trigger 14
        a.io.write8(COM1 + 4, 0x1b); // loopback, OUT2
        a.io.write8(COM1 + 1, 0x01); // receive interrupts
        a.io.write8(COM1 + 7, 0x5a);
        for (char c : "oxen".toCharArray()) a.io.write8(COM1, c); // looped back into the receive FIFO
        a.ctx.advance(10_000_000);
        assertTrue(a.ctx.interrupts().level(4), "the character timeout interrupt is up");
        DeviceState saved = a.uart.saveState();

        Port b = Port.create();
        b.ctx.advance(10_000_000);
        b.uart.loadState("com1", saved);
        assertTrue(b.ctx.interrupts().level(4), "the loaded UART drives IRQ 4 as the saved one");
        assertEquals(0x5a, b.io.read8(COM1 + 7), "scratch");
        StringBuilder got = new StringBuilder();
        while ((b.io.read8(COM1 + 5) & 1) != 0) got.append((char) b.io.read8(COM1));
        assertEquals("oxen", got.toString(), "the FIFO in order");
    }

    @Test
    void dataReadyWithoutDataIsRefused() {
        Port a = Port.create();
        byte[] bytes = a.uart.saveState().data();
        bytes[5] |= 1; // lsr: data ready, FIFO empty
        DeviceStateException e = assertThrows(DeviceStateException.class,
                () -> Port.create().uart.loadState("com1", new DeviceState(1, bytes)));
        assertEquals("com1 (uart) state: field lsr: 0x61: data ready set, but the receive FIFO holds 0 bytes",
                e.getMessage());
    }
}
