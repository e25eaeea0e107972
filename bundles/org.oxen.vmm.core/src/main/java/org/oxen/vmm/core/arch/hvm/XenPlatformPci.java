package org.oxen.vmm.core.arch.hvm;

import org.oxen.x86.api.pci.PciBus;
import org.oxen.x86.api.pci.PciConfigSpace;

/**
 * The Xen platform PCI device (QEMU's hw/i386/xen/xen_platform.c, "xen-platform"): what PV
 * drivers in an HVM guest look for (Linux's xen-platform-pci binds to 5853:0001). XenSource
 * vendor and subsystem, device 0001, revision 1, class "other" (ff80), INTA#; BAR0 a 256-byte
 * I/O window and BAR1 a 16 MiB prefetchable memory window, as QEMU's. Its INTx line is the one a
 * guest names in HVM_PARAM_CALLBACK_IRQ's PCI INTx form ({@link CallbackVia} drives it: the
 * event-channel upcall is this device's interrupt). At 00:03.0, where xl's HVM guests have it.
 *
 * <p>Not provided: the I/O BAR's registers (QEMU's emulated-device unplug protocol and its log
 * port): oxen's HVM domains have no emulated disks or NICs to unplug, so the window reads all
 * ones; the memory BAR is a window with nothing behind it, where a guest may map grant frames
 * with add_to_physmap.
 */
final class XenPlatformPci {

    static final int VENDOR = 0x5853, DEVICE = 0x0001, REVISION = 1, CLASS = 0xFF8000;
    static final int DEVFN = 3 << 3;
    static final long IO_BAR_SIZE = 0x100, MMIO_BAR_SIZE = 16L << 20;

    private XenPlatformPci() {
    }

    /** Plugs the device into {@code bus} (under the device lock); returns its devfn. */
    static int plug(PciBus bus) {
        PciConfigSpace f = new PciConfigSpace(VENDOR, DEVICE, REVISION, CLASS, false);
        f.set16(PciConfigSpace.SUBSYSTEM_VENDOR, VENDOR);
        f.set16(PciConfigSpace.SUBSYSTEM_ID, DEVICE);
        f.defineBar(0, IO_BAR_SIZE, true, false);
        f.defineBar(1, MMIO_BAR_SIZE, false, true);
        f.setInterruptPin(1);
        return bus.plug(DEVFN, f, "xen-platform");
    }
}
