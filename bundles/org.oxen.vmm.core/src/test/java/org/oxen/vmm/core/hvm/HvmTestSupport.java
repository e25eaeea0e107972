package org.oxen.vmm.core.hvm;

import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.core.Vmm;
import org.oxen.x86.dev.debugcon.DebugConFactory;
import org.oxen.x86.dev.ioapic.IoApicFactory;
import org.oxen.x86.dev.lapic.LapicFactory;
import org.oxen.x86.dev.pci.PciFactory;
import org.oxen.x86.dev.pic.PicFactory;
import org.oxen.x86.dev.pit.PitFactory;
import org.oxen.x86.dev.rtc.RtcFactory;
import org.oxen.x86.dev.uart.UartFactory;

/** A hypervisor without OSGi that knows the PC device bundles' factories, as the component binds them. */
public final class HvmTestSupport {

    private HvmTestSupport() {
    }

    public static Vmm vmm(int mib, int pcpus) {
        Vmm vmm = new Vmm((long) mib << 20, pcpus);
        withDevices(vmm);
        return vmm;
    }

    public static Vmm withDevices(Vmm vmm) {
        vmm.addDeviceFactory("pic", new PicFactory());
        vmm.addDeviceFactory("pit", new PitFactory());
        vmm.addDeviceFactory("rtc", new RtcFactory());
        vmm.addDeviceFactory("uart", new UartFactory());
        vmm.addDeviceFactory("debugcon", new DebugConFactory());
        vmm.addDeviceFactory("pci", new PciFactory());
        vmm.addDeviceFactory("ioapic", new IoApicFactory());
        vmm.addDeviceFactory("lapic", new LapicFactory());
        return vmm;
    }

    /** The kit's hvmsmp program as a 2-vcpu, 8 MiB HVM domain, to build on (e.g. {@code startPaused}). */
    public static DomainConfig.Builder hvmsmpConfig(String name, String cmdline) {
        return DomainConfig.builder(name).type(DomainType.HVM).vcpus(2)
                .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hvmsmp")).memoryMiB(8).cmdline(cmdline);
    }

    /** The kit's hvmsmp program running as a 2-vcpu HVM domain on {@code vmm}. */
    public static Domain hvmsmp(Vmm vmm, String name, String cmdline) throws Exception {
        return vmm.create(hvmsmpConfig(name, cmdline).build());
    }
}
