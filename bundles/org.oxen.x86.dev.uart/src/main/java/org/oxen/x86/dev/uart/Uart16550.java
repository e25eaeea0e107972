package org.oxen.x86.dev.uart;

import java.util.List;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.PortRegion;
import org.oxen.x86.api.device.Timer;
import org.oxen.x86.api.device.TimerService;

/**
 * 16550A UART after the NS datasheet and QEMU's hw/char/serial.c.
 *
 * <p>Transmit: a byte written to THR (or pushed through the transmit FIFO) goes to the console
 * at once, unthrottled as in QEMU, so THRE and TEMT are set again immediately and the THRE
 * interrupt is pending right after the write. In loopback mode (MCR bit 4) it goes to the
 * receiver instead, and MSR's status bits mirror MCR (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2).
 *
 * <p>Receive: a 16-byte FIFO (or the single holding register with FIFOs off) filled from
 * loopback or, for readable consoles, by a poll timer every {@value #POLL_NS} ns. A full FIFO
 * sets OE and drops the byte. The RDA interrupt waits for the FCR trigger level; below it, the
 * character-timeout interrupt comes after four character times without a read.
 *
 * <p>IIR priority: receiver line status (OE/PE/FE/BI, cleared by reading LSR), received data
 * or character timeout, THR empty (cleared by reading IIR or writing THR), modem status
 * (cleared by reading MSR). The interrupt output is the IRQ line's level; with the option
 * {@code out2gate} it is gated by MCR.OUT2 as the PC's board does (QEMU does not gate).
 *
 * <p>Not modelled: parity and framing errors (no noise on a virtual line), the transmit shift
 * timing, break generation on the console.
 */
final class Uart16550 implements Device {

    static final long POLL_NS = 1_000_000;

    static final int IER_RDI = 1, IER_THRI = 2, IER_RLSI = 4, IER_MSI = 8;
    static final int IIR_NONE = 1, IIR_MSI = 0, IIR_THRI = 2, IIR_RDI = 4, IIR_RLSI = 6, IIR_CTI = 0x0C;
    static final int LSR_DR = 1, LSR_OE = 2, LSR_PE = 4, LSR_FE = 8, LSR_BI = 0x10, LSR_THRE = 0x20,
            LSR_TEMT = 0x40, LSR_INT_ANY = 0x1E;
    static final int MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 0x10;
    static final int MSR_DCTS = 1, MSR_DDSR = 2, MSR_TERI = 4, MSR_DDCD = 8, MSR_CTS = 0x10, MSR_DSR = 0x20,
            MSR_RI = 0x40, MSR_DCD = 0x80, MSR_ANY_DELTA = 0x0F;
    static final int FCR_FE = 1;
    private static final int[] TRIGGER = {1, 4, 8, 14};

    private final Clock clock;
    private final InterruptLine irq;
    private final Console console;
    private final boolean out2Gate;
    private final Timer pollTimer;
    private final Timer timeoutTimer;

    int divider;
    int ier;
    int lcr;
    int mcr;
    int lsr;
    int msr;
    int scr;
    int fcr;
    boolean thrIpending;
    boolean timeoutIpending;

    private final int[] rx = new int[16];
    private int rxHead;
    private int rxCount;

    Uart16550(Clock clock, TimerService timers, InterruptLine irq, Console console, boolean out2Gate) {
        this.clock = clock;
        this.irq = irq;
        this.console = console;
        this.out2Gate = out2Gate;
        this.pollTimer = timers.newTimer("uart.poll", this::poll);
        this.timeoutTimer = timers.newTimer("uart.timeout", now -> {
            timeoutIpending = true;
            updateIrq();
        });
        reset();
    }

    @Override
    public void reset() {
        divider = 0x0C;                       // 9600 baud
        ier = 0;
        lcr = 0;
        mcr = 0;
        lsr = LSR_THRE | LSR_TEMT;
        msr = MSR_DCD | MSR_DSR | MSR_CTS;
        scr = 0;
        fcr = 0;
        thrIpending = false;
        timeoutIpending = false;
        rxHead = rxCount = 0;
        timeoutTimer.cancel();
        if (console.readable()) {
            pollTimer.armAt(clock.nanos() + POLL_NS);
        }
        updateIrq();
    }

    /** The layout of {@link #saveState()}. */
    static final int STATE_VERSION = 1;

    /**
     * Xen's HVM_SAVE_CODE has no UART (QEMU's serial device saves it, vmstate_serial): here the
     * registers, the pending THRE and timeout interrupts, the receive FIFO in order and the
     * timeout timer. The poll timer of a readable console is armed again at load.
     */
    @Override
    public DeviceState saveState() {
        StateWriter w = new StateWriter();
        w.u16(divider).u8(ier).u8(lcr).u8(mcr).u8(lsr).u8(msr).u8(scr).u8(fcr).bool(thrIpending)
                .bool(timeoutIpending).u8(rxCount);
        for (int i = 0; i < rxCount; i++) {
            w.u8(rx[(rxHead + i) % rx.length]);
        }
        w.u64(timeoutTimer.armed() ? timeoutTimer.deadline() : -1);
        return w.finish(STATE_VERSION);
    }

    @Override
    public void loadState(String id, DeviceState state) {
        String dev = id + " (uart)";
        StateReader.checkVersion(dev, state, STATE_VERSION);
        StateReader r = state.reader(dev);
        int div = r.u16("divider");
        int ie = r.bits8("ier", 0x0F);
        int lc = r.u8("lcr");
        int mc = r.bits8("mcr", 0x1F);
        int ls = r.u8("lsr");
        int ms = r.u8("msr");
        int sc = r.u8("scr");
        int fc = r.bits8("fcr", 0xC9);
        boolean thri = r.bool("thr_pending");
        boolean cti = r.bool("timeout_pending");
        int n = r.u8("rx_count", 0, rx.length);
        int[] fifo = new int[n];
        for (int i = 0; i < n; i++) {
            fifo[i] = r.u8("rx[" + i + "]");
        }
        if (((ls & LSR_DR) != 0) != (n > 0)) {
            throw r.bad("lsr", String.format("0x%02x: data ready %s, but the receive FIFO holds %d bytes",
                    ls, (ls & LSR_DR) != 0 ? "set" : "clear", n));
        }
        long deadline = r.deadline("timeout_timer");
        r.end();
        divider = div;
        ier = ie;
        lcr = lc;
        mcr = mc;
        lsr = ls;
        msr = ms;
        scr = sc;
        fcr = fc;
        thrIpending = thri;
        timeoutIpending = cti;
        rxHead = 0;
        rxCount = n;
        System.arraycopy(fifo, 0, rx, 0, n);
        if (deadline < 0) {
            timeoutTimer.cancel();
        } else {
            timeoutTimer.armAt(deadline);
        }
        if (console.readable()) {
            pollTimer.armAt(clock.nanos() + POLL_NS); // on the loaded clock
        }
        updateIrq();
    }

    @Override
    public void close() {
        pollTimer.cancel();
        timeoutTimer.cancel();
        console.flush();
        console.close();
    }

    @Override
    public List<PortRegion> portRegions() {
        return List.of(new PortRegion("uart", 8, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return read(offset);
            }

            @Override
            public void write8(int offset, int value) {
                write(offset, value & 0xFF);
            }
        }));
    }

    private boolean fifo() {
        return (fcr & FCR_FE) != 0;
    }

    /** One character on the line, in ns: start, data, parity and stop bits at the divisor's rate. */
    long charTime() {
        int bits = 1 + (5 + (lcr & 3)) + ((lcr & 8) != 0 ? 1 : 0) + ((lcr & 4) != 0 ? 2 : 1);
        long div = divider == 0 ? 0x10000 : divider;
        return bits * div * 16 * 1_000_000_000L / 1_843_200;
    }

    int iir() {
        if ((ier & IER_RLSI) != 0 && (lsr & LSR_INT_ANY) != 0) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && timeoutIpending) {
            return IIR_CTI;
        }
        if ((ier & IER_RDI) != 0 && (lsr & LSR_DR) != 0 && (!fifo() || rxCount >= TRIGGER[fcr >> 6])) {
            return IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && thrIpending) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && (msr & MSR_ANY_DELTA) != 0) {
            return IIR_MSI;
        }
        return IIR_NONE;
    }

    private void updateIrq() {
        boolean pending = iir() != IIR_NONE;
        irq.set(pending && (!out2Gate || (mcr & MCR_OUT2) != 0));
    }

    int read(int offset) {
        switch (offset) {
            case 0:
                if ((lcr & 0x80) != 0) {
                    return divider & 0xFF;
                }
                return readRbr();
            case 1:
                return (lcr & 0x80) != 0 ? divider >> 8 & 0xFF : ier;
            case 2: {
                int id = iir();
                if (id == IIR_THRI) {
                    thrIpending = false;
                    updateIrq();
                }
                return id | (fifo() ? 0xC0 : 0);
            }
            case 3:
                return lcr;
            case 4:
                return mcr;
            case 5: {
                int v = lsr;
                if ((lsr & (LSR_BI | LSR_OE | LSR_PE | LSR_FE)) != 0) {
                    lsr &= ~(LSR_BI | LSR_OE | LSR_PE | LSR_FE);
                    updateIrq();
                }
                return v;
            }
            case 6: {
                int v = msr;
                if ((msr & MSR_ANY_DELTA) != 0) {
                    msr &= ~MSR_ANY_DELTA;
                    updateIrq();
                }
                return v;
            }
            default:
                return scr;
        }
    }

    private int readRbr() {
        int v = 0;
        if (rxCount > 0) {
            v = rx[rxHead];
            rxHead = (rxHead + 1) & 15;
            rxCount--;
        }
        if (rxCount == 0) {
            lsr &= ~LSR_DR;
            timeoutTimer.cancel();
        } else if (fifo()) {
            timeoutTimer.armAt(clock.nanos() + 4 * charTime());
        }
        timeoutIpending = false;
        updateIrq();
        return v;
    }

    void write(int offset, int val) {
        switch (offset) {
            case 0 -> {
                if ((lcr & 0x80) != 0) {
                    divider = divider & 0xFF00 | val;
                } else {
                    transmit(val);
                }
            }
            case 1 -> {
                if ((lcr & 0x80) != 0) {
                    divider = divider & 0x00FF | val << 8;
                } else {
                    int changed = ier ^ (val & 0x0F);
                    ier = val & 0x0F;
                    // enabling ETBEI while THR is empty raises the THRE interrupt (as on 16550A)
                    if ((changed & IER_THRI) != 0 && (ier & IER_THRI) != 0 && (lsr & LSR_THRE) != 0) {
                        thrIpending = true;
                    }
                    updateIrq();
                }
            }
            case 2 -> {
                if (((val ^ fcr) & FCR_FE) != 0 || (val & 2) != 0) {
                    rxHead = rxCount = 0;                     // clear receive FIFO
                    lsr &= ~LSR_DR;
                    timeoutIpending = false;
                    timeoutTimer.cancel();
                }
                // bit 2 clears the transmit FIFO, which never holds bytes here; with bit 0
                // clear the other bits are not programmed (datasheet)
                fcr = (val & FCR_FE) != 0 ? val & 0xC9 : 0;
                updateIrq();
            }
            case 3 -> lcr = val;
            case 4 -> {
                int old = mcr;
                mcr = val & 0x1F;
                if ((mcr & MCR_LOOP) != 0) {
                    loopbackModemStatus(old);
                } else if ((old & MCR_LOOP) != 0) {
                    msr = MSR_DCD | MSR_DSR | MSR_CTS;
                }
                updateIrq();
            }
            case 5, 6 -> {
                // LSR and MSR are read-only (factory test registers)
            }
            default -> scr = val;
        }
    }

    private void loopbackModemStatus(int oldMcr) {
        int status = ((mcr & MCR_RTS) != 0 ? MSR_CTS : 0) | ((mcr & MCR_DTR) != 0 ? MSR_DSR : 0)
                | ((mcr & MCR_OUT1) != 0 ? MSR_RI : 0) | ((mcr & MCR_OUT2) != 0 ? MSR_DCD : 0);
        int old = msr & 0xF0;
        if ((oldMcr & MCR_LOOP) == 0) {
            old = status;                  // entering loopback: no deltas from the switch itself
        }
        int delta = msr & MSR_ANY_DELTA;
        int changed = old ^ status;
        if ((changed & MSR_CTS) != 0) {
            delta |= MSR_DCTS;
        }
        if ((changed & MSR_DSR) != 0) {
            delta |= MSR_DDSR;
        }
        if ((changed & MSR_DCD) != 0) {
            delta |= MSR_DDCD;
        }
        if ((old & MSR_RI) != 0 && (status & MSR_RI) == 0) {
            delta |= MSR_TERI;             // trailing edge of RI
        }
        msr = status | delta;
    }

    private void transmit(int val) {
        thrIpending = false;
        if ((mcr & MCR_LOOP) != 0) {
            receive(val);
        } else {
            console.write(val);
        }
        // the byte left at once: THR and shift register empty again
        lsr |= LSR_THRE | LSR_TEMT;
        thrIpending = true;
        updateIrq();
    }

    /** A byte arrives on the receive line. */
    void receive(int b) {
        int capacity = fifo() ? 16 : 1;
        if (rxCount >= capacity) {
            lsr |= LSR_OE;                 // overrun: the byte is lost
        } else {
            rx[(rxHead + rxCount) & 15] = b & 0xFF;
            rxCount++;
            lsr |= LSR_DR;
            if (fifo()) {
                timeoutIpending = false;
                timeoutTimer.armAt(clock.nanos() + 4 * charTime());
            }
        }
        updateIrq();
    }

    /** Moves waiting console input into the receiver (no more than fits), then re-arms. */
    private void poll(long now) {
        if ((mcr & MCR_LOOP) == 0) {
            int capacity = fifo() ? 16 : 1;
            while (rxCount < capacity) {
                int b = console.poll();
                if (b < 0) {
                    break;
                }
                receive(b);
            }
        }
        pollTimer.armAt(now + POLL_NS);
    }
}
