package org.oxen.x86.machine.internal;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.oxen.debug.gdbstub.DebugGate;
import org.oxen.debug.gdbstub.DebugTarget;
import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;
import org.oxen.x86.api.device.LocalApic;
import org.oxen.x86.bus.Consoles;
import org.oxen.x86.bus.DeviceAssembly;
import org.oxen.x86.bus.DeviceEntry;
import org.oxen.x86.bus.Interrupts;
import org.oxen.x86.bus.IoPortBus;
import org.oxen.x86.bus.MmioMap;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.bus.TimerQueue;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.ExitAction;
import org.oxen.x86.cpu.ExitReason;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineException;
import org.oxen.x86.machine.MachineState;
import org.oxen.x86.machine.boot.BootLoader;
import org.oxen.x86.clock.InstructionClock;
import org.oxen.x86.clock.RealClock;

/**
 * One bare PC: CPUs, RAM, the I/O-port and MMIO buses, the interrupt wiring and the devices of
 * a {@link MachineDescription}, and the run loop.
 *
 * <h2>Design</h2>
 * {@link #create} builds everything on the caller's thread, so any error (unknown device,
 * overlapping ports, bad option, bad image) is thrown there and nothing runs. {@link #start}
 * then runs the machine on one thread: every CPU in turn runs a batch of instructions, bounded
 * by the earliest device deadline, also one armed during the batch ({@link BatchBound}; on the
 * real clock through an estimate of the instruction rate), then due device timers fire and
 * local-APIC events (INIT, STARTUP, NMI) are delivered. INTR pins are pushed: the interrupt
 * router connects each CPU's pin to the controller driving it ({@code connectCpu}), which sets
 * it inside the device access or timer callback that changes it; the CPU samples it between
 * its own inner batches. When every CPU is
 * halted the thread sleeps until the next deadline (real clock) or jumps virtual time to it
 * (deterministic clock). Port 0xF4 (the debugcon exit), a triple fault, {@link #stop()} or a
 * halt nothing can wake end the machine.
 *
 * <h2>Locking</h2>
 * Devices are not thread-safe: only the machine thread calls them (port and MMIO accesses,
 * timers, reset, close). Other threads only read volatile state, the console buffers
 * (synchronized) and request a stop.
 */
final class Board implements Machine {

    /**
     * Most instructions per CPU batch: timers and interrupts are checked between batches, and a
     * batch ends earlier at a device deadline ({@link BatchBound}).
     */
    static final int BATCH = 50_000;
    /** Longest sleep of a halted machine on the real clock, so that stop requests are seen. */
    private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Console output kept per device. */
    static final int CONSOLE_KEEP = 1 << 20;

    private enum CpuMode { ACTIVE, WAIT_FOR_SIPI }

    private final int id;
    private final MachineDescription description;
    private final BootImage image;
    private final BootLoader.Kind kind;
    private final OutputStream session;
    private final Ram ram;
    private final PcMemory memory;
    private final IoPortBus ioBus = new IoPortBus();
    private final MmioMap mmio = new MmioMap();
    private final Interrupts interrupts = new Interrupts();
    private final TimerQueue timers = new TimerQueue();
    private final Clock clock;
    private final InstructionClock icount; // null on the real clock
    private final BatchBound batches;
    private final X86Cpu[] cpus;
    private final CpuMode[] modes;
    private DeviceAssembly devices;
    private final Map<String, OutputBuffer> consoles = new LinkedHashMap<>();
    private final List<Console> openConsoles = new ArrayList<>();
    /** The consoles writing to the starting session, flushed when the machine idles. */
    private final List<StreamConsole> sessionConsoles = new ArrayList<>();
    private final String primaryConsole;
    private final CountDownLatch ended = new CountDownLatch(1);

    private int currentCpu;
    /** A device armed a deadline before the running batch's end (machine thread only). */
    private boolean deadlineMoved;
    private volatile boolean stopRequested, exitRequested, resetRequested;
    private volatile MachineState state = MachineState.RUNNING;
    private volatile String reason = "";
    private volatile Integer exitStatus;
    /** The exit was an ACPI S5 power-off. */
    private volatile boolean poweredOff;
    private volatile long instructions;
    /** The clock when the machine ended (time stands still for an ended machine). */
    private volatile long endNanos = -1;
    private Thread thread;
    /** The debugger's gate while one is attached (the run loop reads it each round). */
    private volatile DebugGate debugGate;
    private final DebugTarget debugTarget = new BoardDebugTarget();
    private volatile java.util.function.Supplier<String> heapNote = () -> "";

    private Board(int id, MachineDescription d, BootImage image, OutputStream session) {
        this.id = id;
        this.description = d;
        this.image = image;
        this.session = session;
        this.kind = BootLoader.kind(image);
        if (d.clock() == MachineDescription.ClockMode.DETERMINISTIC) {
            icount = new InstructionClock(d.nanosPerInstruction());
            clock = icount;
        } else {
            icount = null;
            clock = new RealClock();
        }
        batches = new BatchBound(clock, icount, timers, BATCH);
        ram = new Ram((long) d.ramMiB() << 20, "machine " + id);
        memory = new PcMemory(ram, ram.size(), mmio);
        cpus = new X86Cpu[d.cpus()];
        modes = new CpuMode[d.cpus()];
        for (int i = 0; i < cpus.length; i++) {
            X86Cpu cpu = X86Cpu.create(memory, ioBus);
            cpu.setClock(clock);
            int cpuIndex = i;
            // INTR is pushed: the router connects the controller driving this CPU (its local APIC,
            // or the 8259A without APICs) to the pin. The CPU's INTA callback (InterruptAcknowledge)
            // is that controller's acknowledge (the devices branch's InterruptController).
            interrupts.connectCpu(i, cpu.intr());
            cpu.setInterruptController(() -> acknowledge(cpuIndex));
            cpu.setExitHandler((c, exit) -> onExit(cpuIndex, c, exit));
            cpus[i] = cpu;
            modes[i] = i == 0 ? CpuMode.ACTIVE : CpuMode.WAIT_FOR_SIPI;
        }
        // a deadline armed during a batch, before its end, ends it (the CPU stops right after
        // the instruction whose device access armed it) and bounds the rest of the round
        timers.onEarlierDeadline(() -> {
            deadlineMoved = true;
            cpus[currentCpu].requestStopAfterInstruction();
        });
        primaryConsole = d.devices().stream().filter(e -> e.type().equals("uart")).map(DeviceEntry::id).findFirst()
                .orElse(null);
    }

    /**
     * Builds a machine. Nothing runs until {@link #start()}.
     *
     * @param factories the installed factories by device type, a snapshot taken now (a later
     *     swap does not affect this machine)
     * @throws MachineException with a message naming the device and key, or the image
     */
    static Board create(int id, MachineDescription d, BootImage image, OutputStream session,
            Map<String, DeviceFactory> factories) {
        Board b = new Board(id, d, image, session);
        try {
            b.createDevices(factories);
            b.load();
        } catch (DeviceConfigException | MachineException e) {
            b.closeAll();
            b.releaseMemory();
            throw e instanceof MachineException me ? me : new MachineException(e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            b.closeAll();
            b.releaseMemory();
            if (e instanceof Error err) throw err;
            throw new MachineException("machine " + id + ": cannot be built: " + e, e);
        }
        return b;
    }

    /**
     * {@link #create}, with a Java heap that ran out reported as such (the RAM is outside the
     * heap; the image and the devices are in it).
     *
     * @param heldBy what else holds heap (ended machines' images, kept with their consoles),
     *     appended to that report; empty for nothing
     */
    static Board createChecked(int id, MachineDescription d, BootImage image, OutputStream session,
            Map<String, DeviceFactory> factories, String heldBy) {
        try {
            return create(id, d, image, session, factories);
        } catch (OutOfMemoryError e) {
            throw new MachineException("machine " + id + ": cannot be built: the Java heap ran out ("
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB max; its RAM is host memory outside the heap"
                    + heldBy + "; start the JVM with a larger -Xmx)");
        }
    }

    private void createDevices(Map<String, DeviceFactory> factories) {
        devices = DeviceAssembly.assemble(description.devices(), factories, new Context(), ioBus, mmio);
        memory.windowsChanged();
        for (int i = 0; i < cpus.length; i++) {
            LocalApic apic = interrupts.localApic(i);
            if (apic != null) {
                // IA32_APIC_BASE belongs to the local APIC device (BSP bit, global enable)
                cpus[i].setMsrExit(true);
                // CPUID tells the OS about the APIC and its ID, and the TSC's rate (the clock's
                // nanoseconds: 1 GHz) beside the APIC timer's clock, so it calibrates neither
                // against the PIT (which fails when the host runs the guest slowly)
                // and all CPUs in one package, as cores or threads (leaves 1, 4 and 0xB: a
                // second CPU's delay loop from its sibling)
                int threads = description.threadsPerCore();
                cpus[i].cpuidModel().setLocalApic(apic.id()).setTscFrequency(X86Cpu.TSC_HZ, apic.timerHz())
                        .setPackageTopology(cpus.length / threads, threads);
            }
        }
        for (MmioMap.Mapping m : mmio.mappings()) {
            if (m.base() < ram.size()) {
                throw new MachineException(String.format("device %s: MMIO window at 0x%x lies inside RAM (%d MiB)",
                        m.owner(), m.base(), description.ramMiB()));
            }
        }
    }

    /** Loads the image (again, after a reset) and puts the boot CPU in its start state. */
    private void load() {
        if (kind == BootLoader.Kind.MULTIBOOT) {
            BootLoader.loadMultiboot(image, memory, cpus[0]);
            BootLoader.writeMpTable(memory, cpus[0], cpus.length);
            BootLoader.writeAcpiTables(memory, cpus.length, description.acpiPmPort());
        } else if (kind == BootLoader.Kind.LINUX) {
            BootLoader.loadLinux(image, memory, cpus[0]);
            BootLoader.writeMpTable(memory, cpus[0], cpus.length);
            BootLoader.writeAcpiTables(memory, cpus.length, description.acpiPmPort());
        } else {
            BootLoader.loadRom(image, memory);
        }
    }

    void start() {
        thread = new Thread(this::run, "oxen-machine-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs on the caller's thread until the machine ends (tests, benchmarks). */
    void runHere() {
        run();
    }

    /**
     * The machine is forgotten ({@code machine remove}, the bundle stopping): once its thread
     * has ended, its RAM and ROM go back to the host now, not at a GC ({@link Ram#release}). The
     * machine thread is the only one that runs its CPUs (their TLBs and page caches hold the
     * RAM's host addresses), so it must have ended first: this waits for it at most {@code wait}
     * and returns false, releasing nothing, if it still runs (a machine started with {@link
     * #start}, not yet ended). A machine run with {@link #runHere} is released by its caller
     * after that returned. Later reads of the memory (a debugger's) throw naming the RAM.
     */
    boolean release(Duration wait) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(Math.max(1, wait.toMillis()));
            if (t.isAlive()) return false;
        }
        releaseMemory();
        return true;
    }

    private void releaseMemory() {
        memory.releaseRom();
        ram.release();
    }

    /** Whether {@link #release} gave the RAM back (tests). */
    boolean released() {
        return ram.isReleased();
    }

    /** The machine's RAM (tests measure it). */
    Ram ram() {
        return ram;
    }

    // ---- the run loop ----

    /** What else holds Java heap, for the report of a machine that ran out of it (set by the manager). */
    void heapNote(java.util.function.Supplier<String> note) {
        this.heapNote = note;
    }

    /** Host memory this machine's RAM holds now (pages are committed as they are used). */
    long committedBytes() {
        return ram.committedBytes();
    }

    /**
     * Java heap the machine holds: its image and modules (kept for a reset). Its RAM is host
     * memory outside the heap ({@link #committedBytes}).
     */
    long heapBytes() {
        long image = this.image.bytes().length;
        for (BootImage.Module m : this.image.modules()) {
            image += m.bytes().length;
        }
        return image;
    }

    private void run() {
        try {
            loop();
        } catch (OutOfMemoryError e) {
            end(MachineState.FAILED, "out of Java heap (" + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB max; the RAM is host memory outside it)" + heapNote.get()
                    + "; start the JVM with a larger -Xmx");
        } catch (Throwable t) {
            end(MachineState.FAILED, "board failure: " + t);
        } finally {
            closeAll();
            ended.countDown();
            DebugGate gate = debugGate;
            if (gate != null) {
                gate.targetEnded(reason, exitStatus);
            }
        }
    }

    private void loop() {
        while (state == MachineState.RUNNING) {
            DebugGate gate = debugGate;
            if (gate != null) {
                gate.checkpoint(); // parks here while a debugger holds the machine stopped
                if (stopRequested) {
                    end(MachineState.STOPPED, "stopped");
                    return;
                }
            }
            long budget = batches.startRound();
            boolean allHalted = true;
            long roundMax = 0;
            for (int i = 0; i < cpus.length; i++) {
                if (modes[i] != CpuMode.ACTIVE) {
                    continue;
                }
                X86Cpu cpu = cpus[i];
                currentCpu = i;
                if (deadlineMoved) {
                    // a CPU before this one armed a deadline: this one stops at it too
                    deadlineMoved = false;
                    budget = batches.bound(budget);
                }
                timers.runningUntil(batches.end(budget));
                long before = cpu.instructionCount();
                RunResult r = cpu.run(budget);
                timers.batchEnded();
                long retired = cpu.instructionCount() - before;
                roundMax = Math.max(roundMax, retired);
                instructions += retired;
                currentCpu = 0;
                if (r == RunResult.SHUTDOWN) {
                    end(MachineState.SHUTDOWN, String.format("triple fault on CPU %d at %04x:%08x", i,
                            cpu.segment(X86Cpu.CS).selector, cpu.eip()));
                    return;
                }
                if (gate != null && gate.stopPending()) {
                    allHalted = false; // not idle: the checkpoint comes next
                    break; // a breakpoint, a finished step or an interrupt: to the checkpoint
                }
                if (r == RunResult.EXIT) {
                    end(MachineState.FAILED, "unexpected CPU exit on CPU " + i + ": " + cpu.lastExit());
                    return;
                }
                if (r != RunResult.HALTED) {
                    allHalted = false;
                }
                if (exitRequested || stopRequested) {
                    break;
                }
            }
            deadlineMoved = false;
            batches.endRound(roundMax);
            if (exitRequested) {
                end(MachineState.EXITED, poweredOff ? "ACPI power off (S5)" : "exit status " + exitStatus);
                return;
            }
            if (stopRequested) {
                end(MachineState.STOPPED, "stopped");
                return;
            }
            if (resetRequested) {
                resetMachine();
                continue;
            }
            timers.runDue(clock.nanos());
            boolean events = apicEvents();
            if (allHalted && !events && !anyWakeable()) {
                idle();
            }
        }
    }

    /** All CPUs halted: wait for the next timer (or end if nothing can ever wake them). */
    private void idle() {
        boolean interruptible = false;
        for (int i = 0; i < cpus.length; i++) {
            if (modes[i] == CpuMode.ACTIVE && (cpus[i].eflags() & 0x200) != 0) {
                interruptible = true;
            }
        }
        // a partial line (a shell's prompt) is shown while the guest waits, not after its next line end
        for (StreamConsole c : sessionConsoles) {
            c.flushPartialLine();
        }
        long next = timers.nextDeadline();
        // no running CPU can take an interrupt or send an IPI: nothing will ever run again
        // (NMIs from devices are not modelled)
        if (!interruptible) {
            end(MachineState.HALTED, "all CPUs halted with interrupts disabled");
            return;
        }
        if (icount != null) {
            if (next == Long.MAX_VALUE) {
                end(MachineState.HALTED, "all CPUs halted and no timer is armed");
                return;
            }
            icount.skipTo(next);
        } else {
            long wait = Math.min(MAX_SLEEP_NANOS, next - clock.nanos());
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
            }
        }
        timers.runDue(clock.nanos());
        apicEvents();
    }

    /** Whether a halted CPU would take an interrupt now. */
    private boolean anyWakeable() {
        for (int i = 0; i < cpus.length; i++) {
            if (modes[i] == CpuMode.ACTIVE && (cpus[i].eflags() & 0x200) != 0) {
                InterruptController c = interrupts.controllerFor(i);
                if (c != null && c.hasInterrupt()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** RDMSR/WRMSR with exits on: IA32_APIC_BASE goes to the local APIC, everything else to the CPU. */
    /** Exits: #DB/#BP to an attached debugger (which takes its own), the APIC base MSR to the local APIC. */
    private ExitAction onExit(int i, X86Cpu cpu, CpuExit exit) {
        if (exit.reason() == ExitReason.EXCEPTION) {
            DebugGate g = debugGate;
            return g == null ? ExitAction.DELIVER : g.onDebugException(i, cpu, exit);
        }
        return msrExit(i, exit);
    }

    private ExitAction msrExit(int i, CpuExit exit) {
        LocalApic apic = interrupts.localApic(i);
        if (exit.reason() != ExitReason.MSR_ACCESS || exit.index() != 0x1B || apic == null) {
            return ExitAction.DELIVER;
        }
        if (exit.write()) {
            apic.writeBaseMsr(exit.value());
        } else {
            exit.setValue(apic.baseMsr());
        }
        return ExitAction.COMPLETE;
    }

    /** The INTA cycle of CPU {@code i}. */
    private int acknowledge(int i) {
        InterruptController c = interrupts.controllerFor(i);
        return c == null ? 0xFF : c.acknowledge();
    }

    /** Delivers local-APIC events (NMI, INIT, STARTUP); true if any. */
    private boolean apicEvents() {
        if (interrupts.apicBus() == null) {
            return false;
        }
        boolean any = false;
        for (int i = 0; i < cpus.length; i++) {
            LocalApic apic = interrupts.localApic(i);
            if (apic == null || apic.pendingEvents() == 0) {
                continue;
            }
            int ev = apic.takeEvents();
            any = true;
            X86Cpu cpu = cpus[i];
            if ((ev & LocalApic.EVENT_INIT) != 0) {
                cpu.reset();
                modes[i] = i == 0 ? CpuMode.ACTIVE : CpuMode.WAIT_FOR_SIPI;
            }
            if ((ev & LocalApic.EVENT_STARTUP) != 0 && modes[i] == CpuMode.WAIT_FOR_SIPI) {
                int page = apic.startupVector() & 0xFF;
                cpu.reset();
                cpu.setSegment(X86Cpu.CS, new SegmentState(page << 8, page << 12, 0xFFFF, 0x9B));
                cpu.setEip(0);
                modes[i] = CpuMode.ACTIVE;
            }
            if ((ev & LocalApic.EVENT_NMI) != 0 && modes[i] == CpuMode.ACTIVE) {
                cpu.nmi();
            }
        }
        return any;
    }

    /** RESET#: devices and CPUs to power-on, the image reloaded (as QEMU does for -kernel). */
    private void resetMachine() {
        resetRequested = false;
        devices.resetAll();
        for (int i = 0; i < cpus.length; i++) {
            cpus[i].reset();
            modes[i] = i == 0 ? CpuMode.ACTIVE : CpuMode.WAIT_FOR_SIPI;
        }
        memory.reloadRom();
        load();
    }

    private void end(MachineState s, String why) {
        if (state == MachineState.RUNNING) {
            reason = why;
            endNanos = clock.nanos();
            state = s;
        }
    }

    private void closeAll() {
        if (devices != null) {
            try {
                devices.closeAll();
            } catch (RuntimeException e) {
                // a device failing to close must not keep the consoles open
            }
            devices = null;
        }
        for (Console c : openConsoles) {
            try {
                c.flush();
                c.close();
            } catch (RuntimeException e) {
                // same
            }
        }
    }

    // ---- Machine ----

    @Override
    public int id() {
        return id;
    }

    @Override
    public String name() {
        return image.name().replaceAll(".*/", "");
    }

    @Override
    public MachineDescription description() {
        return description;
    }

    @Override
    public MachineState state() {
        return state;
    }

    @Override
    public String reason() {
        return reason;
    }

    @Override
    public Integer exitStatus() {
        return state == MachineState.EXITED ? exitStatus : null;
    }

    @Override
    public long instructions() {
        return instructions;
    }

    @Override
    public long translatedRegions() {
        long n = 0;
        for (X86Cpu c : cpus) n += c.translationStatistics().compiled();
        return n;
    }

    @Override
    public long nanos() {
        long end = endNanos;
        return end >= 0 ? end : clock.nanos();
    }

    @Override
    public String console() {
        String owner = primaryConsole;
        synchronized (consoles) {
            if (owner == null || !consoles.containsKey(owner)) {
                owner = consoles.isEmpty() ? null : consoles.keySet().iterator().next();
            }
        }
        String s = owner == null ? null : console(owner);
        return s == null ? "" : s;
    }

    @Override
    public String console(String deviceId) {
        OutputBuffer b;
        synchronized (consoles) {
            b = consoles.get(deviceId);
        }
        return b == null ? null : b.text();
    }

    @Override
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether the run loop has finished (devices closed). */
    boolean ended() {
        return ended.getCount() == 0;
    }

    @Override
    public void stop() {
        if (state != MachineState.RUNNING) {
            return;
        }
        stopRequested = true;
        for (X86Cpu c : cpus) {
            c.requestStop();
        }
        DebugGate gate = debugGate;
        if (gate != null) {
            gate.release(); // a machine parked by a debugger goes on to its end
        }
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public DebugTarget debugTarget() {
        return debugTarget;
    }

    /** The board as a gdb stub sees it. */
    private final class BoardDebugTarget implements DebugTarget {
        @Override
        public String name() {
            return "machine " + id;
        }

        @Override
        public int cpuCount() {
            return cpus.length;
        }

        @Override
        public X86Cpu cpu(int index) {
            return cpus[index];
        }

        @Override
        public PhysicalMemory physicalMemory() {
            return memory;
        }

        @Override
        public long physicalSize() {
            return ram.size();
        }

        @Override
        public synchronized boolean attach(DebugGate gate) {
            if (debugGate != null || state != MachineState.RUNNING) {
                return false;
            }
            debugGate = gate;
            return true;
        }

        @Override
        public synchronized void detach(DebugGate gate) {
            if (debugGate == gate) {
                debugGate = null;
            }
        }

        @Override
        public void interruptCpus() {
            for (X86Cpu c : cpus) {
                c.requestStop();
            }
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
    }

    @Override
    public String toString() {
        return "machine " + id + " (" + name() + ", " + state + ")";
    }

    // ---- what devices see ----

    private final class Context implements DeviceContext {
        private final Map<Class<?>, Object> published = new LinkedHashMap<>();

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public TimerQueue timers() {
            return timers;
        }

        @Override
        public Interrupts interrupts() {
            return interrupts;
        }

        @Override
        public PhysicalMemory memory() {
            return memory;
        }

        @Override
        public long ramBytes() {
            return ram.size();
        }

        @Override
        public int cpuCount() {
            return cpus.length;
        }

        @Override
        public int currentCpu() {
            return currentCpu;
        }

        @Override
        public boolean deterministic() {
            return icount != null;
        }

        @Override
        public Console openConsole(String owner, String spec) {
            Console sink;
            if ("gogo".equals(spec)) {
                if (session == null) {
                    return null;
                }
                StreamConsole stream = new StreamConsole(session);
                sessionConsoles.add(stream);
                sink = stream;
            } else {
                sink = Consoles.open(owner, spec);
            }
            OutputBuffer buffer = new OutputBuffer(CONSOLE_KEEP);
            synchronized (consoles) {
                consoles.put(owner, buffer);
            }
            Console tee = new TeeConsole(sink, buffer, () -> exitRequested || resetRequested);
            openConsoles.add(tee);
            return tee;
        }

        @Override
        public <T> void publish(Class<T> type, T instance) {
            if (published.containsKey(type)) {
                throw new DeviceConfigException("a " + type.getSimpleName()
                        + " is already published on this machine (two devices provide it)");
            }
            published.put(type, instance);
        }

        @Override
        public <T> T lookup(Class<T> type) {
            return type.cast(published.get(type));
        }

        @Override
        public void requestReset() {
            resetRequested = true;
            for (X86Cpu c : cpus) {
                c.requestStop();
            }
        }

        @Override
        public void requestExit(int status) {
            if (!exitRequested) {
                exitStatus = status;
                exitRequested = true;
            }
            for (X86Cpu c : cpus) {
                c.requestStop();
            }
        }

        /** ACPI S5: the machine ends as on an exit with status 0 (QEMU's), said as a power-off. */
        @Override
        public void requestPowerOff() {
            if (!exitRequested) {
                poweredOff = true;
            }
            requestExit(0);
        }
    }
}
