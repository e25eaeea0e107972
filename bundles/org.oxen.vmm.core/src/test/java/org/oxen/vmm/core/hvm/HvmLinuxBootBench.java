package org.oxen.vmm.core.hvm;

import java.util.concurrent.TimeUnit;

import org.oxen.sched.credit.CreditFactory;
import org.oxen.testing.linux.LinuxGuest;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.core.Vmm;
import org.oxen.x86.machine.internal.LinuxBootBench;

/**
 * Benchmark, not a test: Debian's i386 kernel + the busybox initramfs from domain creation to
 * the shell's prompt on COM1 as an <b>HVM domain</b> (one vcpu, 256 MiB, on a hypervisor with one
 * pCPU), beside Debian's qemu-system-i386 (TCG) and oxen's bare machine booting the same kernel,
 * initramfs and command line, in turn, in the same run ({@link LinuxBootBench} runs those two).
 * Prints wall and CPU time to the prompt, guest instructions and the load average before each
 * boot (figures in docs/PERFORMANCE.md; {@code benchmarks/linux/boot.sh} runs it).
 *
 * <pre>
 * java -cp CLASSPATH org.oxen.vmm.core.hvm.HvmLinuxBootBench [rounds [qemu,hvm,bare]]
 * </pre>
 * Runners: {@code qemu} and {@code qemu2} (QEMU {@code -smp 1} and {@code -smp 2}), {@code hvm}
 * and {@code hvm2} (the HVM domain with 1 and 2 vcpus), {@code bare} and {@code bare2} (the bare
 * machine with 1 CPU on the real clock, 2 on the instruction clock).
 * <pre>
 * </pre>
 */
public final class HvmLinuxBootBench {

    private HvmLinuxBootBench() {
    }

    static double hvm(byte[] kernel, byte[] initrd, int vcpus) throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(512L << 20, 1, new CreditFactory()));
        try {
            long t0 = System.nanoTime(), c0 = LinuxBootBench.cpuNanos();
            Domain d = vmm.create(DomainConfig.builder("linux").type(DomainType.HVM).kernel(kernel).ramdisk(initrd)
                    .cmdline(LinuxGuest.CMDLINE).memoryMiB(256).vcpus(vcpus).build());
            while (!d.consoleOutput().contains(LinuxGuest.PROMPT)) {
                if (d.awaitShutdown(50, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the domain ended:\n" + d.consoleOutput());
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            long insns = 0;
            for (var v : d.vcpus()) insns += v.instructions();
            System.out.printf("oxen HVM domain (%d vcpu): prompt after %.1f s wall, %.1f s CPU (the JVM's, JIT and GC"
                    + " included), %,d guest instructions%n", vcpus, s, (LinuxBootBench.cpuNanos() - c0) / 1e9, insns);
            return s;
        } finally {
            vmm.shutdown();
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        String which = args.length > 1 ? args[1] : "qemu,hvm,bare";
        LinuxBootBench.rounds(rounds, java.util.List.of(which.split(",")), (w, kernel, initrd, k, i) -> {
            switch (w) {
                case "qemu" -> LinuxBootBench.qemu(k, i, 1);
                case "qemu2" -> LinuxBootBench.qemu(k, i, 2);
                case "hvm" -> hvm(kernel, initrd, 1);
                case "hvm2" -> hvm(kernel, initrd, 2);
                case "bare" -> LinuxBootBench.oxen(kernel, initrd, 1);
                case "bare2" -> LinuxBootBench.oxen(kernel, initrd, 2);
                default -> throw new IllegalArgumentException(w + ": expected qemu, qemu2, hvm, hvm2, bare or bare2");
            }
        });
        System.exit(0);
    }
}
