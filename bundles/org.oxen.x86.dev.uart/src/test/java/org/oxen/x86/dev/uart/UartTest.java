package org.oxen.x86.dev.uart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/** 16550A behaviour through COM1's ports on a manual clock. */
class UartTest {

    static final int COM1 = 0x3f8, THR = COM1, IER = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2, LCR = COM1 + 3,
            MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;

    BasicDeviceContext ctx = new BasicDeviceContext();
    IoPortBus io = new IoPortBus();
    Device uart;

    void create(String... kv) {
        Map<String, String> opts = new HashMap<>(Map.of("io.uart", "0x3f8", "irq", "4", "console", "memory:com1"));
        for (int i = 0; i < kv.length; i += 2) {
            opts.put(kv[i], kv[i + 1]);
        }
        DeviceConfig cfg = DeviceConfig.of("com1", "uart", opts);
        uart = new UartFactory().create(ctx, cfg);
        io.mapDevice(uart, cfg);
        cfg.checkAllUsed();
    }

    boolean irq4() {
        return ctx.interrupts().level(4);
    }

    @Test
    void powerOnRegisters() {
        create();
        assertEquals(0x60, io.read8(LSR), "THRE | TEMT");
        assertEquals(0x01, io.read8(IIR), "no interrupt, FIFOs off");
        assertEquals(0xb0, io.read8(MSR), "DCD, DSR, CTS");
        assertEquals(0x00, io.read8(IER));
    }

    @Test
    void transmitGoesToTheConsole() {
        create();
        for (char c : "hi\n".toCharArray()) {
            assertEquals(0x20, io.read8(LSR) & 0x20, "THR empty before each byte");
            io.write8(THR, c);
        }
        assertEquals("hi\n", ctx.memoryConsole("com1").text());
    }

    @Test
    void divisorLatchAndScratch() {
        create();
        io.write8(LCR, 0x83);
        io.write8(COM1, 0x01);
        io.write8(COM1 + 1, 0x00);                 // 115200 baud
        assertEquals(0x01, io.read8(COM1));
        assertEquals(0x00, io.read8(COM1 + 1));
        io.write8(LCR, 0x03);
        assertEquals("", ctx.memoryConsole("com1").text(), "DLL write is not a THR write");
        io.write8(SCR, 0x5a);
        assertEquals(0x5a, io.read8(SCR));
    }

    @Test
    void threInterruptClearedByReadingIirOrWritingThr() {
        create();
        io.write8(IER, 0x02);
        assertEquals(0x02, io.read8(IIR), "THR empty when ETBEI is enabled");
        assertEquals(0x01, io.read8(IIR), "reading IIR cleared it");
        assertFalse(irq4());
        io.write8(THR, 'x');
        assertTrue(irq4(), "THR empty again after the byte left");
        io.write8(IER, 0x00);
        assertFalse(irq4());
    }

    @Test
    void loopbackReceivesWhatIsSentAndMirrorsModemControl() {
        create();
        io.write8(MCR, 0x10);
        assertEquals(0x00, io.read8(MSR) & 0xf0, "no modem inputs in loopback with MCR clear");
        io.write8(THR, 'A');
        assertEquals("", ctx.memoryConsole("com1").text(), "loopback output stays inside");
        assertEquals(0x61, io.read8(LSR), "DR | THRE | TEMT");
        assertEquals('A', io.read8(COM1));
        assertEquals(0x60, io.read8(LSR));
        io.write8(MCR, 0x1f);
        assertEquals(0xfb, io.read8(MSR), "CTS DSR RI DCD and their deltas (no TERI on a rising RI)");
        io.write8(MCR, 0x1b);
        assertEquals(0xb4, io.read8(MSR), "RI fell: TERI");
        io.write8(MCR, 0x00);
        assertEquals(0xb0, io.read8(MSR));
    }

    @Test
    void fifoTriggerLevelOverrunAndOrder() {
        create();
        io.write8(FCR, 0xc7);                      // FIFOs on, both cleared, trigger 14
        io.write8(MCR, 0x10);
        io.write8(IER, 0x01);
        assertEquals(0xc1, io.read8(IIR));
        for (int i = 0; i < 13; i++) {
            io.write8(THR, 'a' + i);
        }
        assertEquals(0xc1, io.read8(IIR), "13 bytes: below the trigger level");
        io.write8(THR, 'a' + 13);
        assertEquals(0xc4, io.read8(IIR), "received data available");
        assertTrue(irq4());
        io.write8(THR, 'o');
        io.write8(THR, 'p');
        io.write8(THR, 'X');                       // 17th byte
        assertEquals(0x63, io.read8(LSR), "OE | DR | THRE | TEMT");
        assertEquals(0x61, io.read8(LSR), "reading LSR cleared OE");
        StringBuilder got = new StringBuilder();
        while ((io.read8(LSR) & 1) != 0) {
            got.append((char) io.read8(COM1));
        }
        assertEquals("abcdefghijklmnop", got.toString());
        assertFalse(irq4());
    }

    @Test
    void fcrBitsNeedTheFifoEnableBit() {
        create();
        io.write8(FCR, 0xc0);                      // trigger 14 without FE: not programmed
        io.write8(FCR, 0x01);                      // FIFOs on, trigger 1
        io.write8(MCR, 0x10);
        io.write8(IER, 0x01);
        io.write8(THR, 'a');
        assertEquals(0xc4, io.read8(IIR), "trigger level 1");
    }

    @Test
    void characterTimeoutAfterFourCharacterTimes() {
        create();
        io.write8(FCR, 0xc1);
        io.write8(LCR, 0x83);
        io.write8(COM1, 0x01);
        io.write8(LCR, 0x03);                      // 115200 8N1: 86.8 us per character
        io.write8(MCR, 0x10);
        io.write8(IER, 0x01);
        io.write8(THR, 'x');
        io.write8(THR, 'y');
        assertEquals(0xc1, io.read8(IIR));
        ctx.advance(300_000);
        assertEquals(0xc1, io.read8(IIR), "3.5 character times");
        ctx.advance(100_000);
        assertEquals(0xcc, io.read8(IIR), "character timeout");
        assertEquals('x', io.read8(COM1));
        assertEquals(0xc1, io.read8(IIR), "a read clears the timeout");
        ctx.advance(400_000);
        assertEquals(0xcc, io.read8(IIR), "and restarts it for the byte left");
    }

    @Test
    void iirPriorities() {
        create();
        io.write8(MCR, 0x10);
        io.write8(IER, 0x0f);
        io.write8(IIR, 0);                         // FCR: FIFOs stay off
        io.read8(IIR);                             // consume THRE
        io.write8(THR, '1');
        io.write8(THR, '2');                       // overrun of the holding register
        io.write8(MCR, 0x11);                      // DTR -> DSR delta
        assertEquals(0x06, io.read8(IIR), "receiver line status first");
        io.read8(LSR);
        assertEquals(0x04, io.read8(IIR), "then received data");
        assertEquals('1', io.read8(COM1));
        assertEquals(0x02, io.read8(IIR), "then THR empty (pending since the last write)");
        assertEquals(0x00, io.read8(IIR), "then modem status");
        io.read8(MSR);
        assertEquals(0x01, io.read8(IIR));
    }

    @Test
    void consoleInputIsPolledIntoTheFifo() {
        create();
        io.write8(FCR, 0x01);
        io.write8(IER, 0x01);
        ctx.memoryConsole("com1").type("ok");
        ctx.advance(Uart16550.POLL_NS);
        assertEquals(0x61, io.read8(LSR));
        assertEquals('o', io.read8(COM1));
        assertEquals('k', io.read8(COM1));
        assertEquals(0x60, io.read8(LSR));
    }

    @Test
    void out2GatesTheIrqWhenAskedTo() {
        create("out2gate", "true");
        io.write8(IER, 0x02);
        assertFalse(irq4(), "OUT2 low");
        io.write8(MCR, 0x08);
        assertTrue(irq4());
    }

    @Test
    void closeClosesTheConsole() {
        create();
        uart.close();
        assertTrue(ctx.memoryConsole("com1").closed());
    }

    @Test
    void unknownConsoleIsAClearError() {
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> create("console", "serial0"));
        assertTrue(e.getMessage().contains("com1") && e.getMessage().contains("serial0"), e.getMessage());
    }
}
