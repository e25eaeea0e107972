package org.oxen.vmm.core.debug;

import org.oxen.debug.gdbstub.DebugGate;
import org.oxen.debug.gdbstub.DebugTarget;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainDebugger;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.ExitAction;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A domain as a gdb target ({@code xl debug}): its vcpus are gdb's threads, memory is read
 * through the selected vcpu's page tables, and {@code monitor phys} reaches the domain's own
 * memory only: a PV domain's machine frames ({@link DomainPhysicalMemory}), an HVM domain's
 * guest-physical pages through its P2M ({@link HvmPhysicalMemory}; its vcpus' #BP and #DB come
 * from its exit handler as a PV vcpu's do).
 *
 * <p>Design: the gdb stub's all-stop model parks the target's run loop in
 * {@link DebugGate#checkpoint()} while gdb looks at it. A domain has no run loop of its own (its
 * vcpus share the pCPU threads with every other domain, which must run on), so a stopper thread
 * per attached debugger plays that part: a stop pauses the domain (from the pCPU of the vcpu
 * that hit a breakpoint or finished a step, without waiting; or from the debugger's thread for
 * Ctrl-C and attach), then the stopper waits until no vcpu of the domain is on a pCPU, parks in
 * the checkpoint while gdb reads and writes the stopped vcpus, and unpauses the domain when gdb
 * resumes it. This is Xen's gdbsx model (the debugger pauses the domain; the hypervisor pauses
 * it when it hits a debug trap with a debugger attached), with oxen's pause count.
 *
 * <p>Locking: this object's monitor guards the attached gate and the stopper's wake-ups; the
 * debugger's pause is taken at most once at a time ({@link #paused}, an atomic flag), so the
 * vcpu and the debugger thread may both ask for it.
 */
public final class DomainDebugTarget implements DebugTarget, DomainDebugger {

    private final Vmm vmm;
    private final DomainImpl domain;
    private final PhysicalMemory memory;
    private final long physicalSize;
    private final java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
    private DebugGate gate;
    private Thread stopper;

    public DomainDebugTarget(Vmm vmm, DomainImpl domain) {
        this.vmm = vmm;
        this.domain = domain;
        boolean hvm = domain.vcpuCount() > 0 && domain.vcpu(0).arch() instanceof org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
        this.memory = hvm ? new HvmPhysicalMemory(domain) : new DomainPhysicalMemory(domain.pool(), domain.id());
        this.physicalSize = hvm ? 1L << 32 : domain.ram().size(); // guest-physical (4 GiB) or machine addresses
    }

    public int domid() {
        return domain.id();
    }

    @Override
    public String name() {
        return "domain " + domain.id() + " (" + domain.name() + ")";
    }

    @Override
    public int cpuCount() {
        return domain.vcpuCount();
    }

    @Override
    public X86Cpu cpu(int index) {
        return domain.vcpu(index).cpu();
    }

    @Override
    public PhysicalMemory physicalMemory() {
        return memory;
    }

    @Override
    public long physicalSize() {
        return physicalSize;
    }

    @Override
    public synchronized boolean attach(DebugGate g) {
        if (gate != null || domain.isStopped() || domain.isDying() || !domain.setDebugger(this)) {
            return false;
        }
        gate = g;
        stopper = new Thread(() -> stopperLoop(g), "oxen-debug-d" + domain.id());
        stopper.setDaemon(true);
        stopper.start();
        return true;
    }

    @Override
    public void detach(DebugGate g) {
        Thread t;
        synchronized (this) {
            if (gate != g) return;
            gate = null;
            domain.setDebugger(null);
            t = stopper;
            stopper = null;
            notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        resumeDomain(); // whatever happened, the domain does not stay paused for a debugger that left
    }

    @Override
    public void interruptCpus() {
        stopDomain();
    }

    // ---- the domain's side (DomainDebugger)

    @Override
    public boolean onDebugException(VcpuImpl v, X86Cpu cpu, CpuExit exit) {
        DebugGate g;
        synchronized (this) {
            g = gate;
        }
        if (g == null || g.onDebugException(v.id(), cpu, exit) != ExitAction.STOP) {
            return false;
        }
        stopDomain();
        return true;
    }

    @Override
    public void domainStopped(String why) {
        DebugGate g;
        synchronized (this) {
            g = gate;
        }
        if (g != null) g.targetEnded(name() + " " + why, null);
    }

    @Override
    public void domainDestroyed() {
        DebugGate g;
        synchronized (this) {
            g = gate;
        }
        if (g != null) {
            g.targetEnded(name() + " destroyed", null);
            g.release(); // breakpoints restored while the frames are still the domain's
        }
    }

    // ---- stopping and resuming

    /** Pauses the domain for the debugger (once) and wakes the stopper; any thread, no waiting. */
    private void stopDomain() {
        if (paused.compareAndSet(false, true)) {
            vmm.debugPause(domain);
        }
        synchronized (this) {
            notifyAll();
        }
    }

    private void resumeDomain() {
        if (paused.compareAndSet(true, false)) {
            vmm.debugUnpause(domain);
        }
    }

    /** The domain's stand-in for a run loop: parks in the gate's checkpoint while gdb holds it stopped. */
    private void stopperLoop(DebugGate g) {
        while (true) {
            synchronized (this) {
                while (gate == g && !g.stopPending()) {
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (gate != g) return;
            }
            if (domain.isDying()) return;
            stopDomain();
            try {
                vmm.debugAwaitStopped(domain);
            } catch (IllegalStateException e) {
                domain.log("debugger: " + e.getMessage());
            }
            g.checkpoint(); // parks while gdb looks; returns when it resumes or leaves
            resumeDomain();
        }
    }
}
