package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.abi.Hvm;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * Xen's HVM platform interface seen from inside an HVM domain: the kit's xenhvm program finds
 * the CPUID leaves, fills its hypercall page through the MSR (VMCALL stubs), reads the HVM
 * parameters libxl sets, maps shared_info and a grant frame with add_to_physmap, finds the Xen
 * platform PCI device and takes an event-channel upcall as its INTx, then by GSI and by vector;
 * bad parameters, pfns beyond the physical space and ring-3 hypercalls get Xen's errors. (Its
 * xenstore part needs xenstored: XlHvmDomainTest.)
 */
class XenPlatformTest {

    @Test
    void anHvmKernelUsesTheXenPlatformInterfaceAndHostileCallsGetXensErrors() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(256L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Domain d = vmm.create(HvmDomainTest.hvm("xenhvm", "xenhvm", 16, "xenstore=off").build());
            DomainImpl di = (DomainImpl) d;
            assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput() + vmm.dmesg());
            String out = d.consoleOutput();
            assertTrue(out.strip().endsWith("RESULT: PASS"), out + String.join("\n", vmm.dmesg()));
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            assertTrue(out.contains(String.format("xenhvm: Xen 4.1 at cpuid 0x40000000 (leaves to 0x40000005), "
                    + "1 hypercall page by MSR 0x40000000, domid %d vcpu 0", d.id())), out);
            assertTrue(out.contains("xenhvm: store pfn 0xfeffc port 1, console pfn 0xfefff port 2"), out);
            assertTrue(out.contains("xenhvm: platform device at 00:03.0 class ff8000 rev 1 subsystem 00015853 INTA#"), out);
            // one interrupt per event in each form: the level forms' line falls when the guest has taken
            // it (its EOI), the vector form is injected once per entry into guest code
            String[] forms = {"the platform device's INTx", "the platform device's INTx again", "GSI 11", "vector 0x2b"};
            for (int i = 0; i < forms.length; i++) {
                assertTrue(out.contains("arrived by " + forms[i] + " (upcall " + (i + 1) + ")"), forms[i] + ":\n" + out);
            }
            assertTrue(out.contains("xenhvm: ring-3 hypercalls refused with -EPERM"), out);
            // console_io from ring 0 reached the hypervisor's log
            assertTrue(vmm.dmesg().stream().anyMatch(l -> l.contains("xenhvm: console_io from an HVM domain")),
                    String.join("\n", vmm.dmesg()));
            // the store page stayed where libxc puts it; shared_info moved into the guest's physmap
            assertEquals(di.storeMfn(), di.memory().p2m(Hvm.specialPfn(Hvm.SPECIALPAGE_XENSTORE)));
            int sharedAt = vmm.pool().m2pGet(di.sharedInfoMfn());
            assertTrue(sharedAt > 0 && sharedAt < 16 * 256, "shared_info mapped at pfn " + sharedAt);
            assertEquals(di.sharedInfoMfn(), di.memory().p2m(sharedAt));
            // the RAM pages shared_info and the grant frame replaced went back to the pool
            assertEquals(16 * 256 + 2 - 2, d.memoryPages(), "RAM, two special pages, less two replaced pages");
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
            assertFalse(vmm.dmesg().stream().anyMatch(l -> l.contains("BUG")), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }
}
