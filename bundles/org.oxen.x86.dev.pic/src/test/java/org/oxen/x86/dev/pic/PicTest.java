package org.oxen.x86.dev.pic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/** 8259A datasheet behaviour through the ports, on the PC's classic bases. */
class PicTest {

    BasicDeviceContext ctx;
    IoPortBus io;
    InterruptController cpu;
    Device pic;

    @BeforeEach
    void setUp() {
        ctx = new BasicDeviceContext();
        io = new IoPortBus();
        DeviceConfig cfg = DeviceConfig.of("pic", "pic", Map.of("io.master", "0x20", "io.slave", "0xa0", "io.elcr", "0x4d0"));
        pic = new PicFactory().create(ctx, cfg);
        io.mapDevice(pic, cfg);
        cfg.checkAllUsed();
        cpu = ctx.interrupts().controllerFor(0);
        assertUninitialisedPairDeliversNothing();
        init(0x11, 0x01);
    }

    /** Power-on: requests (edge and level) reach no CPU before the ICWs. */
    void assertUninitialisedPairDeliversNothing() {
        pulse(0);
        pulse(9);
        io.write8(0x4d0, 0x08);
        ctx.interrupts().line(3).raise();
        assertFalse(cpu.hasInterrupt(), "a PIC delivers nothing before its initialisation words");
        io.write8(0x20, 0x11);                  // ICW1, ICW2: still mid-sequence
        io.write8(0x21, 0x20);
        assertFalse(cpu.hasInterrupt(), "nor during them");
        ctx.interrupts().line(3).lower();
        io.write8(0x4d0, 0x00);
    }

    @Test
    void theLastIcwEnablesDeliveryOfAHeldLevelRequest() {
        PicPair fresh = (PicPair) new PicFactory().create(new BasicDeviceContext(), DeviceConfig.of("p2", "pic",
                Map.of("io.master", "0x20", "io.slave", "0xa0", "io.elcr", "0x4d0")));
        fresh.master.elcr = 0x08;
        fresh.master.setInput(3, true);
        assertEquals(-1, fresh.master.pendingIrq(), "uninitialised");
        fresh.master.write(0, 0x11);
        fresh.master.write(1, 0x20);
        fresh.master.write(1, 0x04);
        assertEquals(-1, fresh.master.pendingIrq(), "ICW4 still due");
        fresh.master.write(1, 0x01);
        assertEquals(3, fresh.master.pendingIrq(), "the level request is presented once the ICWs are done");
    }

    /** The BIOS/Linux sequence: ICW1 (edge, cascade, ICW4), vectors 0x20/0x28, ICW3, ICW4. */
    void init(int icw1, int icw4) {
        io.write8(0x20, icw1);
        io.write8(0x21, 0x20);
        io.write8(0x21, 0x04);
        io.write8(0x21, icw4);
        io.write8(0xa0, icw1);
        io.write8(0xa1, 0x28);
        io.write8(0xa1, 0x02);
        io.write8(0xa1, icw4);
    }

    void pulse(int irq) {
        ctx.interrupts().line(irq).pulse();
    }

    int isr(int port) {
        io.write8(port, 0x0b);
        int v = io.read8(port);
        io.write8(port, 0x0a);
        return v;
    }

    @Test
    void pairIsTheLegacyControllerOfCpu0() {
        assertSame(pic, ctx.interrupts().legacyController());
        assertSame(pic, cpu);
    }

    @Test
    void intOutputDrivesCpu0IntrWithoutApic() {
        boolean[] intr = new boolean[1];
        ctx.interrupts().connectCpu(0, high -> intr[0] = high);
        pulse(1);
        assertTrue(intr[0]);
        cpu.acknowledge();
        assertFalse(intr[0], "INTA moved the request to ISR");
        pulse(12);
        assertFalse(intr[0], "IR1 in service blocks the slave's cascade IR2");
        io.write8(0x20, 0x20);
        assertTrue(intr[0], "EOI let the cascade request through");
        io.write8(0x21, 0x04);
        assertFalse(intr[0], "masking IR2");
    }

    @Test
    void edgeIsLatchedInIrrAndMovesToIsrOnAcknowledge() {
        pulse(1);
        assertEquals(0x02, io.read8(0x20), "IRR after OCW3 read-IRR default");
        assertTrue(cpu.hasInterrupt());
        assertEquals(0x21, cpu.acknowledge());
        assertEquals(0x02, isr(0x20));
        assertEquals(0x00, io.read8(0x20), "IRR cleared by INTA");
        assertFalse(cpu.hasInterrupt());
        io.write8(0x20, 0x20); // non-specific EOI
        assertEquals(0, isr(0x20));
    }

    @Test
    void aHeldLineIsOneEdgeOnly() {
        ctx.interrupts().line(4).raise();
        assertEquals(0x24, cpu.acknowledge());
        io.write8(0x20, 0x20);
        assertFalse(cpu.hasInterrupt(), "no new edge while the line stays high");
        ctx.interrupts().line(4).lower();
        ctx.interrupts().line(4).raise();
        assertTrue(cpu.hasInterrupt());
    }

    @Test
    void fullyNestedPriorities() {
        pulse(5);
        pulse(3);
        assertEquals(0x23, cpu.acknowledge(), "IR3 beats IR5");
        assertFalse(cpu.hasInterrupt(), "IR5 waits behind IR3 in service");
        pulse(1);
        assertEquals(0x21, cpu.acknowledge(), "IR1 nests over IR3");
        assertEquals(0x0a, isr(0x20));
        io.write8(0x20, 0x20);
        assertEquals(0x08, isr(0x20), "non-specific EOI ends the highest level, IR1");
        io.write8(0x20, 0x20);
        assertEquals(0x25, cpu.acknowledge());
    }

    @Test
    void imrMasksAndReadsBack() {
        io.write8(0x21, 0xfb);
        assertEquals(0xfb, io.read8(0x21));
        pulse(0);
        assertFalse(cpu.hasInterrupt());
        io.write8(0x21, 0x00);
        assertEquals(0x20, cpu.acknowledge(), "the edge stayed latched in IRR");
    }

    @Test
    void cascadeThroughTheSlave() {
        pulse(12);
        assertTrue(cpu.hasInterrupt());
        assertEquals(0x2c, cpu.acknowledge());
        assertEquals(0x04, isr(0x20), "master IR2 in service");
        assertEquals(0x10, isr(0xa0), "slave IR4 in service");
        pulse(13);
        assertFalse(cpu.hasInterrupt(), "IR2 in service blocks the slave");
        io.write8(0xa0, 0x20);
        io.write8(0x20, 0x20);
        assertEquals(0x2d, cpu.acknowledge());
    }

    @Test
    void specificEoiAndRotation() {
        pulse(6);
        pulse(7);
        assertEquals(0x26, cpu.acknowledge());
        io.write8(0x20, 0x60 | 6); // specific EOI for IR6
        assertEquals(0, isr(0x20));
        // set priority: IR6 lowest, so IR7 is now the highest
        io.write8(0x20, 0xc0 | 6);
        pulse(0);
        assertEquals(0x27, cpu.acknowledge(), "after rotation IR7 beats IR0");
        io.write8(0x20, 0xa0); // rotate on non-specific EOI: IR7 becomes lowest
        assertEquals(0x20, cpu.acknowledge());
        io.write8(0x20, 0xe0 | 0); // rotate on specific EOI of IR0
        pulse(7);
        pulse(1);
        assertEquals(0x21, cpu.acknowledge(), "IR1 is highest after IR0 became lowest");
    }

    @Test
    void autoEoiLeavesIsrClear() {
        init(0x11, 0x03);
        pulse(3);
        assertEquals(0x23, cpu.acknowledge());
        assertEquals(0, isr(0x20));
        pulse(5);
        assertTrue(cpu.hasInterrupt(), "no level in service blocks IR5");
    }

    @Test
    void specialFullyNestedModeLetsAHigherSlaveRequestThrough() {
        io.write8(0x20, 0x11);
        io.write8(0x21, 0x20);
        io.write8(0x21, 0x04);
        io.write8(0x21, 0x11);                   // ICW4: special fully nested, 8086 mode
        pulse(13);
        assertEquals(0x2d, cpu.acknowledge());   // slave IR5, master IR2 in service
        pulse(9);
        assertTrue(cpu.hasInterrupt(), "slave IR1 outranks slave IR5 in service");
        assertEquals(0x29, cpu.acknowledge());
        pulse(14);
        assertFalse(cpu.hasInterrupt(), "the slave's own priority still holds IR6 back");
    }

    @Test
    void rotateInAutoEoiMode() {
        init(0x11, 0x03);
        io.write8(0x20, 0x80);                   // OCW2: set rotate in automatic EOI mode
        pulse(2 + 1);
        assertEquals(0x23, cpu.acknowledge());
        pulse(0);
        pulse(4);
        assertEquals(0x24, cpu.acknowledge(), "IR3 became lowest, IR4 highest");
        assertEquals(0x20, cpu.acknowledge());
    }

    @Test
    void specialMaskModeLetsLowerLevelsThrough() {
        pulse(3);
        assertEquals(0x23, cpu.acknowledge());
        pulse(5);
        assertFalse(cpu.hasInterrupt());
        io.write8(0x21, 0x08);  // mask IR3 ...
        io.write8(0x20, 0x68);  // ... and enter special mask mode
        assertTrue(cpu.hasInterrupt());
        assertEquals(0x25, cpu.acknowledge());
        io.write8(0x20, 0x48);  // leave special mask mode
        io.write8(0x21, 0x00);
        assertEquals(0x28, isr(0x20));
    }

    @Test
    void pollCommandReturnsTheLevelAndAcknowledgesIt() {
        io.write8(0x20, 0x0c);
        assertEquals(0x00, io.read8(0x20), "poll with nothing pending");
        pulse(6);
        io.write8(0x20, 0x0c);
        assertEquals(0x86, io.read8(0x20));
        assertEquals(0x40, isr(0x20));
        assertEquals(0x00, io.read8(0x20), "next read is IRR again");
    }

    @Test
    void elcrLevelTriggeredInputFollowsTheLine() {
        io.write8(0x4d1, 0xff);
        assertEquals(0xde, io.read8(0x4d1), "IRQ 8 and 13 are always edge");
        io.write8(0x4d0, 0xff);
        assertEquals(0xf8, io.read8(0x4d0), "IRQ 0, 1, 2 are always edge");
        ctx.interrupts().line(10).raise();
        assertEquals(0x2a, cpu.acknowledge());
        io.write8(0xa0, 0x20);
        io.write8(0x20, 0x20);
        assertTrue(cpu.hasInterrupt(), "level still asserted: requested again");
        ctx.interrupts().line(10).lower();
        assertFalse(cpu.hasInterrupt(), "level dropped: request withdrawn");
    }

    @Test
    void withdrawnRequestGivesSpuriousIrq7() {
        io.write8(0x4d0, 0x08);
        ctx.interrupts().line(3).raise();
        assertTrue(cpu.hasInterrupt());
        ctx.interrupts().line(3).lower();
        assertEquals(0x27, cpu.acknowledge());
        assertEquals(0, isr(0x20), "spurious IRQ 7 sets no ISR bit");
    }

    @Test
    void icw1ClearsMaskAndInServiceButNotElcr() {
        io.write8(0x4d0, 0x20);
        io.write8(0x21, 0xff);
        pulse(3);
        io.write8(0x21, 0x00);
        cpu.acknowledge();
        init(0x11, 0x01);
        assertEquals(0, io.read8(0x21));
        assertEquals(0, isr(0x20));
        assertEquals(0x20, io.read8(0x4d0));
    }
}
