package org.oxen.x86.dev.pci;

import java.util.List;

import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.PortRegion;
import org.oxen.x86.api.pci.PciBus;
import org.oxen.x86.api.pci.PciConfigSpace;
import org.oxen.x86.api.pci.PciFunction;

/**
 * PCI bus 0 behind configuration mechanism #1, with the host bridge at 00.0 (Intel 82441FX,
 * 8086:1237) and the ISA bridge at 01.0 (82371SB PIIX3 function 0, 8086:7000).
 *
 * <p>Region {@code config}, 8 ports (0xCF8 on a PC): offset 0 is CONFIG_ADDRESS, decoded only
 * for 32-bit accesses (bit 31 enable, bus 23:16, device 15:11, function 10:8, register 7:2);
 * offset 1, as a byte, is PIIX3's reset control register (0xCF9: bit 2 resets the machine);
 * offsets 4-7 are CONFIG_DATA, any width. Absent functions, other buses and a clear enable bit
 * read all ones.
 *
 * <p>Interrupts: INTx pins are swizzled to PIRQ A-D ({@code (slot - 1 + pin - 1) & 3}, as on
 * QEMU's i440FX), each PIRQ is routed to the ISA IRQ of its PIIX3 register 0x60-0x63 (bit 7
 * disables) and also drives GSI 16-19 for the I/O APIC. PCI interrupts are level and shared:
 * a PIRQ is high while any of its pins is.
 *
 * <p>Optional region {@code pm}, 12 ports: the chipset's ACPI fixed-hardware registers and PM
 * timer ({@link AcpiPm}), present when the factory was given them.
 */
final class PciHost implements Device, PciBus {

    private final DeviceContext context;
    private final InterruptRouter router;
    private final PciFunction[] functions = new PciFunction[256];
    private final String[] owners = new String[256];
    private final PciConfigSpace hostBridge;
    private final PciConfigSpace isaBridge;
    private final int[] resetPirq;
    /** The ACPI PM registers, or {@code null} (no region {@code pm}). */
    private final AcpiPm pm;
    private int address;
    private int rcr;
    /** Asserted INTx pins: bit (devfn * 4 + pin - 1). */
    private final java.util.BitSet asserted = new java.util.BitSet(1024);
    private final int[] pirqCount = new int[4];
    /** ISA IRQs currently driven high by PCI. */
    private int isaLevels;

    PciHost(DeviceContext context, int[] pirqRouting, AcpiPm pm) {
        this.context = context;
        this.pm = pm;
        this.router = context.interrupts();
        this.resetPirq = pirqRouting;
        hostBridge = new PciConfigSpace(0x8086, 0x1237, 0x02, 0x060000, false);
        isaBridge = new PciConfigSpace(0x8086, 0x7000, 0x00, 0x060100, true) {
            @Override
            public void configWrite(int offset, int size, int value) {
                super.configWrite(offset, size, value);
                if (offset < 0x64 && offset + size > 0x60) {
                    routePirqs();
                }
            }
        };
        for (int i = 0; i < 4; i++) {
            isaBridge.mask8(0x60 + i, 0x8F);
        }
        plug(0x00, hostBridge, "host bridge");
        plug(0x08, isaBridge, "ISA bridge");
        reset();
    }

    @Override
    public void reset() {
        address = 0;
        rcr = 0;
        for (int i = 0; i < 4; i++) {
            isaBridge.set8(0x60 + i, resetPirq[i]);
        }
        routePirqs();
        if (pm != null) {
            pm.reset();
        }
    }

    /** The layout of {@link #saveState()}. */
    static final int STATE_VERSION = 1;

    /**
     * The host's CONFIG_ADDRESS and reset control register, every plugged function's
     * configuration space by devfn (Xen keeps these in QEMU's vmstate; PIIX3's PIRQ routes are
     * in the ISA bridge's), and the ACPI PM registers (Xen's HVM_SAVE_CODE(PMTIMER)). INTx
     * levels are not saved: their drivers drive them again when they load.
     */
    @Override
    public DeviceState saveState() {
        StateWriter w = new StateWriter();
        w.u32(address).u8(rcr);
        int n = 0;
        for (PciFunction f : functions) {
            if (f instanceof PciConfigSpace) n++;
        }
        w.u16(n);
        for (int devfn = 0; devfn < functions.length; devfn++) {
            if (functions[devfn] instanceof PciConfigSpace c) {
                w.u8(devfn).bytes(c.saveConfig());
            }
        }
        w.bool(pm != null);
        if (pm != null) pm.save(w);
        return w.finish(STATE_VERSION);
    }

    @Override
    public void loadState(String id, DeviceState state) {
        String dev = id + " (pci)";
        StateReader.checkVersion(dev, state, STATE_VERSION);
        StateReader r = state.reader(dev);
        int addr = r.u32("config_address");
        if ((addr & ~0x80FF_FFFC) != 0) throw r.bad("config_address", String.format("0x%08x has reserved bits", addr));
        int reset = r.bits8("reset_control", 0x02);
        int n = r.u16("functions", 0, 256);
        int[] devfns = new int[n];
        byte[][] spaces = new byte[n][];
        for (int i = 0; i < n; i++) {
            devfns[i] = r.u8("function[" + i + "].devfn");
            if (!(functions[devfns[i]] instanceof PciConfigSpace)) {
                throw r.bad("function[" + i + "].devfn", String.format("no function at %02x.%d on this bus",
                        devfns[i] >> 3, devfns[i] & 7));
            }
            spaces[i] = r.bytes(String.format("function %02x.%d config", devfns[i] >> 3, devfns[i] & 7), 256);
        }
        for (int i = 0; i < n; i++) {
            String problem = ((PciConfigSpace) functions[devfns[i]]).checkConfig(spaces[i]);
            if (problem != null) {
                throw r.bad(String.format("function %02x.%d config", devfns[i] >> 3, devfns[i] & 7), problem);
            }
        }
        boolean hasPm = r.bool("pm");
        if (hasPm != (pm != null)) throw r.bad("pm", "the saved chipset " + (hasPm ? "has" : "has no") + " ACPI PM registers");
        AcpiPm.Saved pmState = pm == null ? null : pm.read(r);
        r.end();
        for (int i = 0; i < n; i++) {
            ((PciConfigSpace) functions[devfns[i]]).loadConfig(spaces[i]);
        }
        if (pm != null) pm.apply(pmState);
        address = addr;
        rcr = reset;
        routePirqs();
    }

    @Override
    public List<PortRegion> portRegions() {
        PortRegion config = new PortRegion("config", 8, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                if (offset == 1) {
                    return rcr;
                }
                return offset >= 4 ? data(offset - 4, 1) : 0xFF;
            }

            @Override
            public void write8(int offset, int value) {
                if (offset == 1) {
                    rcr = value & 0x02;
                    if ((value & 0x04) != 0) {
                        context.requestReset();
                    }
                } else if (offset >= 4) {
                    setData(offset - 4, 1, value);
                }
            }

            @Override
            public int read16(int offset) {
                return offset >= 4 && (offset & 1) == 0 ? data(offset - 4, 2) : IoPortDevice.super.read16(offset);
            }

            @Override
            public void write16(int offset, int value) {
                if (offset >= 4 && (offset & 1) == 0) {
                    setData(offset - 4, 2, value);
                } else {
                    IoPortDevice.super.write16(offset, value);
                }
            }

            @Override
            public int read32(int offset) {
                if (offset == 0) {
                    return address;
                }
                return offset == 4 ? data(0, 4) : IoPortDevice.super.read32(offset);
            }

            @Override
            public void write32(int offset, int value) {
                if (offset == 0) {
                    address = value & 0x80FF_FFFC;
                } else if (offset == 4) {
                    setData(0, 4, value);
                } else {
                    IoPortDevice.super.write32(offset, value);
                }
            }
        });
        return pm == null ? List.of(config) : List.of(config, new PortRegion("pm", AcpiPm.SIZE, pm));
    }

    /** The addressed function, or null (no enable bit, another bus, nothing plugged). */
    private PciFunction selected() {
        if (address >= 0 || (address >> 16 & 0xFF) != 0) {
            return null;
        }
        return functions[address >> 8 & 0xFF];
    }

    private int data(int byteOffset, int size) {
        PciFunction f = selected();
        if (f == null) {
            return size == 4 ? -1 : (1 << 8 * size) - 1;
        }
        return f.configRead((address & 0xFC) + byteOffset, size);
    }

    private void setData(int byteOffset, int size, int value) {
        PciFunction f = selected();
        if (f != null) {
            f.configWrite((address & 0xFC) + byteOffset, size, size == 4 ? value : value & (1 << 8 * size) - 1);
        }
    }

    // ---- PciBus

    @Override
    public int plug(int devfn, PciFunction function, String owner) {
        if (devfn < 0) {
            for (int d = 0; d < 32; d++) {
                if (functions[d << 3] == null) {
                    devfn = d << 3;
                    break;
                }
            }
            if (devfn < 0) {
                throw new IllegalArgumentException(owner + ": PCI bus 0 is full");
            }
        }
        if (devfn > 0xFF) {
            throw new IllegalArgumentException(owner + ": bad devfn " + devfn);
        }
        if (functions[devfn] != null) {
            throw new IllegalArgumentException(String.format("PCI %02x.%d: %s cannot plug, %s is there",
                    devfn >> 3, devfn & 7, owner, owners[devfn]));
        }
        functions[devfn] = function;
        owners[devfn] = owner;
        return devfn;
    }

    @Override
    public void unplug(int devfn) {
        for (int pin = 1; pin <= 4; pin++) {
            setIntx(devfn, pin, false);
        }
        functions[devfn & 0xFF] = null;
        owners[devfn & 0xFF] = null;
    }

    @Override
    public InterruptLine intx(int devfn, int pin) {
        if (pin < 1 || pin > 4) {
            throw new IllegalArgumentException("INTx pin " + pin + " (expected 1..4)");
        }
        return high -> setIntx(devfn, pin, high);
    }

    static int pirqOf(int devfn, int pin) {
        return ((devfn >> 3) - 1 + pin - 1) & 3;
    }

    private void setIntx(int devfn, int pin, boolean high) {
        int bit = devfn * 4 + pin - 1;
        if (asserted.get(bit) == high) {
            return;
        }
        asserted.set(bit, high);
        int pirq = pirqOf(devfn, pin);
        pirqCount[pirq] += high ? 1 : -1;
        router.line(16 + pirq).set(pirqCount[pirq] > 0);
        routePirqs();
    }

    /** Recomputes the ISA IRQ levels PCI drives from the PIRQ levels and route registers. */
    private void routePirqs() {
        int levels = 0;
        for (int p = 0; p < 4; p++) {
            int route = isaBridge.configRead(0x60 + p, 1);
            if ((route & 0x80) == 0 && pirqCount[p] > 0) {
                levels |= 1 << (route & 0x0F);
            }
        }
        int changed = levels ^ isaLevels;
        isaLevels = levels;
        for (int irq = 0; irq < 16; irq++) {
            if ((changed & 1 << irq) != 0) {
                router.line(irq).set((levels & 1 << irq) != 0);
            }
        }
    }
}
