package org.oxen.vmm.core.sched;

import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.cpu.RunResult;

/**
 * A physical CPU: a platform thread that asks the scheduler for a vcpu, runs it for its
 * budget, and accounts the time. Exits are handled inside {@link org.oxen.x86.cpu.X86Cpu#run}
 * by the vcpu's exit handler on this thread.
 */
public final class Pcpu implements Runnable {

    /** Per-slice hook (time update before, nothing after for now). */
    public interface SliceHooks {
        void beforeSlice(VcpuImpl v);

        void internalError(VcpuImpl v, Throwable t);
    }

    private final int id;
    private final VcpuScheduler sched;
    private final SliceHooks hooks;
    private volatile boolean stop;
    private Thread thread;

    public Pcpu(int id, VcpuScheduler sched, SliceHooks hooks) {
        this.id = id;
        this.sched = sched;
        this.hooks = hooks;
    }

    public void start() {
        thread = new Thread(this, "oxen-pcpu-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    public void stop() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
        }
    }

    @Override
    public void run() {
        while (!stop) {
            VcpuImpl v;
            try {
                v = sched.pick(id, 100_000_000L);
            } catch (InterruptedException e) {
                if (stop) return;
                continue;
            }
            if (v == null) continue;
            try {
                slice(v);
            } catch (RuntimeException | StackOverflowError e) {
                hooks.internalError(v, e);
            } finally {
                sched.descheduled(v, id);
            }
        }
    }

    private void slice(VcpuImpl v) {
        v.flushIfRequested();
        hooks.beforeSlice(v);
        v.endSlice = false;
        long t0 = v.domain().clock().nanos();
        v.sliceStarted(t0);
        RunResult r;
        try {
            r = v.cpu().run(sched.budget(v));
        } finally {
            v.sliceEnded(t0, v.domain().clock().nanos());
        }
        switch (r) {
            case SHUTDOWN:
                v.domain().crash("triple fault at eip 0x" + Integer.toHexString(v.cpu().eip()));
                break;
            case HALTED:
                v.domain().crash("vcpu " + v.id() + " halted in the CPU (a PV guest idles with SCHEDOP_block)");
                break;
            default:
                break;
        }
    }
}
