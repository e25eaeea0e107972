package org.oxen.vmm.core.arch.hvm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.oxen.sched.api.SchedTimer;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.api.Clock;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.DeviceStateException;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.DeviceFactory;
import org.oxen.x86.bus.Consoles;
import org.oxen.x86.bus.DeviceAssembly;
import org.oxen.x86.bus.DeviceEntry;
import org.oxen.x86.bus.Interrupts;
import org.oxen.x86.bus.IoPortBus;
import org.oxen.x86.bus.MmioMap;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.bus.TimerQueue;
import org.oxen.x86.api.pci.PciBus;
import org.oxen.x86.machine.MachineDescription;

/**
 * An HVM domain's PC (Xen's per-domain device model, here in the hypervisor): the device
 * bundles' devices of the default PC ({@link MachineDescription#pc()}), assembled with the
 * board's toolkit ({@link DeviceAssembly}, {@link IoPortBus}, {@link MmioMap},
 * {@link Interrupts}, {@link TimerQueue}) into one set per domain, over the domain's own
 * pseudo-physical memory ({@link PcMemory} over {@link P2mMemory}).
 *
 * <p>Design: COM1 is the domain's console (what {@code xl console} shows: xl.cfg
 * {@code serial = "pty"}); port 0xE9 goes to the hypervisor log as {@code (dN)} lines, as
 * Xen's HVM debug port does; isa-debug-exit (port 0xF4) powers the domain off (its status in
 * the log), a reset request (0xCF9) reboots it. Device timers fire through a hypervisor timer
 * armed at the earliest deadline (so they fire while every vcpu is blocked in HLT) and in the
 * resume hook of the vcpu whose time they are in, when due.
 *
 * <p>Time, per vcpu (Xen's per-vcpu guest time and vpt.c's timers bound to a vcpu): each vcpu
 * has its own {@link GuestTime} (its pCPU thread's CPU time while it runs, standing still while
 * it waits for a pCPU — Xen's delay_for_missed_ticks — the host's clock while it is blocked),
 * and its own timer queue in that time with its own hypervisor timer. The vcpu's TSC and its
 * local APIC's timer run on its time ({@link #clock(int)}, {@link #timers(int)}); the platform
 * devices (PIT, RTC, UART, ACPI PM) run on vcpu 0's, the vcpu the PIC and the I/O APIC deliver
 * their interrupts to, as Xen's PIT and RTC follow {@code pt_global_vcpu_target}. So a vcpu
 * whose thread waits while another runs loses no tick of its own timer, and its TSC does not
 * run ahead of its own progress. A save carries every vcpu's time ({@link #VCPU_TIME}).
 *
 * <p>Locking: devices are not thread-safe, and an HVM domain's vcpus run on several pCPUs, so
 * every call into this domain's devices (port and MMIO accesses through the vcpus' gates, the
 * INTA cycle, timer callbacks, local-APIC events) holds {@link #lock} — the domain's device
 * lock, placed in the lock order of the {@link org.oxen.vmm.core} package documentation below
 * the event lock and above the scheduler instances' locks (a device raising an interrupt wakes
 * a halted vcpu under it). {@link #currentCpu} is the vcpu whose access holds the lock.
 */
public final class HvmPlatform implements DeviceContext {

    /** What the platform needs of the hypervisor. */
    public interface Host {
        /** A hypervisor timer (it survives scheduler swaps; the callback runs on a pCPU holding nothing). */
        SchedTimer newTimer(Runnable callback);

        /** A line for the hypervisor log (xl dmesg). */
        void log(String line);
    }

    /** The console spec of COM1: the domain's console ring. */
    static final String DOMAIN_CONSOLE = "domain";
    /** The console spec of port 0xE9: the hypervisor log. */
    static final String LOG_CONSOLE = "xenlog";

    final ReentrantLock lock = new ReentrantLock();
    private final DomainImpl domain;
    private final Host host;
    /** Each vcpu's time, its timers and their hypervisor timer; [0] also the platform devices'. */
    private final VcpuTime[] vcpuTimes;
    private final long ramBytes;
    private final int cpuCount;
    private final IoPortBus io = new IoPortBus();
    private final MmioMap mmio = new MmioMap();
    private final Interrupts interrupts = new Interrupts();
    private final PcMemory memory;
    private final Map<Class<?>, Object> published = new LinkedHashMap<>();
    private final List<BufferedConsole> consoles = new ArrayList<>();
    private final List<Console> opened = new ArrayList<>();
    private DeviceAssembly devices;
    /** The vcpu whose device access holds the lock (0 in timer callbacks). */
    private int currentCpu;
    /** Which vcpus' time ran when a save held it ({@link #holdTimeForSave}). */
    private boolean[] ranBeforeSave;
    private volatile Integer exitStatus;
    private final HvmParams params = new HvmParams();
    private CallbackVia callbackVia;
    private int platformDevfn = -1;
    private volatile int[] specialPages = new int[0];
    /** xl.cfg {@code serial} the domain was built with ("pty" or "none"). */
    private final String serial;

    /**
     * Builds the domain's devices.
     *
     * @param factories the installed device factories by type, a snapshot
     * @param serial xl.cfg {@code serial}: "pty" (COM1 is the domain's console) or "none" (no COM1)
     * @throws DeviceConfigException naming the device type that is missing or wrong
     */
    public HvmPlatform(DomainImpl domain, Host host, Clock clock, P2mMemory ram, long ramBytes, int cpuCount,
            Map<String, DeviceFactory> factories, String serial) {
        this.domain = domain;
        this.host = host;
        this.serial = serial;
        this.ramBytes = ramBytes;
        this.cpuCount = cpuCount;
        this.memory = PcMemory.sparse(ram, ramBytes, mmio); // the P2M also maps pages above RAM (special pages, add_to_physmap)
        this.vcpuTimes = new VcpuTime[Math.max(1, cpuCount)];
        for (int i = 0; i < vcpuTimes.length; i++) {
            int cpu = i;
            vcpuTimes[i] = new VcpuTime(new GuestTime(clock), host.newTimer(() -> runTimers(cpu)));
        }
        List<DeviceEntry> entries = new ArrayList<>();
        for (DeviceEntry e : MachineDescription.pc().devices()) {
            if (e.type().equals("uart") && e.id().equals("com1")) {
                if (serial.equals("none")) continue;
                e = e.with("console", DOMAIN_CONSOLE);
            } else if (e.type().equals("debugcon")) {
                e = e.with("console", LOG_CONSOLE);
            } else if (e.type().equals("lapic") || e.type().equals("pit")) {
                // Xen's delay_for_missed_ticks: frozen time (GuestTime) and owed ticks, for each vpt timer
                e = e.with(DeviceConfig.MISSED_TICKS, DeviceConfig.MISSED_TICKS_CATCH_UP);
            }
            entries.add(e);
        }
        lock.lock();
        try {
            devices = DeviceAssembly.assemble(entries, factories, this, io, mmio);
            PciBus pci = lookup(PciBus.class);
            platformDevfn = pci == null ? -1 : XenPlatformPci.plug(pci);
            callbackVia = new CallbackVia(interrupts, pci);
        } finally {
            lock.unlock();
        }
        memory.windowsChanged();
    }

    // ---- Xen's HVM platform interface ----

    /** The domain's HVM parameters. */
    public HvmParams params() {
        return params;
    }

    /** Where the Xen platform PCI device is (its devfn on bus 0), or -1 without a PCI bus. */
    public int platformDevfn() {
        return platformDevfn;
    }

    /** HVM_PARAM_CALLBACK_IRQ was set (by the domain): the via changes under the device lock. */
    public void setCallbackVia(long via) {
        lock.lock();
        try {
            callbackVia.set(via);
            params.init(org.oxen.vmm.abi.Hvm.HVM_PARAM_CALLBACK_IRQ, via);
        } finally {
            lock.unlock();
        }
    }

    /** The toolstack's special pages of the domain (xenstore, console: libxc's special_pfn pages) by frame. */
    public void setSpecialPages(int... mfns) {
        specialPages = mfns.clone();
    }

    /** Whether {@code mfn} is one of the domain's special pages (add_to_physmap only unhooks those). */
    public boolean isSpecialPage(int mfn) {
        for (int m : specialPages) {
            if (m == mfn) return true;
        }
        return false;
    }

    CallbackVia callbackVia() {
        return callbackVia;
    }

    /** Under the device lock: vcpu 0's upcall_pending is {@code pending} (the GSI and PCI INTx forms' line). */
    void evtchnLevelLocked(boolean pending) {
        callbackVia.level(pending);
    }

    /** vcpu 0's upcall_pending changed from what the via's line shows: the line follows it. */
    void evtchnLevel(boolean pending) {
        lock.lock();
        try {
            callbackVia.level(pending);
        } finally {
            lock.unlock();
        }
    }

    /** The address space with no gate (the builder before any vcpu runs; devices' DMA, under the lock). */
    @Override
    public PcMemory memory() {
        return memory;
    }

    IoPortBus io() {
        return io;
    }

    Interrupts router() {
        return interrupts;
    }

    /** Whether isa-debug-exit was written: its status ((v << 1) | 1), else null. */
    public Integer exitStatus() {
        return exitStatus;
    }

    // ---- save and restore (Xen's hvm_save / hvm_load of the device models) ----

    /** One device's saved state, by its id and type in the domain's PC. */
    public record SavedDevice(String id, String type, DeviceState state) {
    }

    /** Every device's state in the PC's order (the domain is paused: nothing runs its devices). */
    public List<SavedDevice> saveDevices() {
        lock.lock();
        try {
            if (devices == null) throw new IllegalStateException("d" + domain.id() + ": its devices are closed");
            List<SavedDevice> out = new ArrayList<>();
            for (DeviceAssembly.Placed p : devices.devices()) {
                out.add(new SavedDevice(p.entry().id(), p.entry().type(), p.device().saveState()));
            }
            out.add(new SavedDevice(VCPU_TIME, VCPU_TIME, saveVcpuTimes()));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Loads saved device states into this (new, paused) domain's devices: each device of the PC
     * must have exactly one record of its id and type; a missing, an unknown or a refused one is
     * an {@link IllegalArgumentException} naming it ({@link DeviceStateException} for a refused
     * field). Guest time is set first ({@link #restoreGuestTime}): timers are re-armed in it; a
     * {@link #VCPU_TIME} record sets each vcpu's time (a stream without it: every vcpu's is the
     * domain's).
     */
    public void loadDevices(List<SavedDevice> saved) {
        lock.lock();
        try {
            Map<String, SavedDevice> byId = new LinkedHashMap<>();
            for (SavedDevice s : saved) {
                if (byId.put(s.id(), s) != null) throw new IllegalArgumentException("device " + s.id() + " is saved twice");
            }
            SavedDevice times = byId.remove(VCPU_TIME);
            if (times != null) loadVcpuTimes(times);
            for (DeviceAssembly.Placed p : devices.devices()) {
                SavedDevice s = byId.remove(p.entry().id());
                if (s == null) {
                    throw new IllegalArgumentException("the stream has no state of device " + p.entry().id() + " ("
                            + p.entry().type() + "), which this domain's PC has");
                }
                if (!s.type().equals(p.entry().type())) {
                    throw new IllegalArgumentException("device " + s.id() + " is a " + s.type() + " in the stream, a "
                            + p.entry().type() + " here");
                }
                p.device().loadState(s.id(), s.state());
            }
            if (!byId.isEmpty()) {
                throw new IllegalArgumentException("the stream has state of device(s) " + byId.keySet()
                        + ", which this domain's PC does not have");
            }
            afterDevices();
        } finally {
            lock.unlock();
        }
    }

    /** xl.cfg {@code serial}: "pty" (COM1 is the domain's console) or "none". */
    public String serial() {
        return serial;
    }

    /** The domain's time now: vcpu 0's, its platform devices' clock (each vcpu's own: {@link #guestTime(int)}). */
    public long guestTime() {
        return vcpuTimes[0].clock.nanos();
    }

    /** Vcpu {@code cpu}'s time now (its TSC's and its local APIC timer's clock). */
    public long guestTime(int cpu) {
        return vcpuTimes[cpu].clock.nanos();
    }

    /**
     * A restored domain's time continues from the saved domain's {@code nanos}, every vcpu's
     * standing still until it first runs ({@link GuestTime#restart}); a {@link #VCPU_TIME}
     * record, loaded after, sets each vcpu's own.
     */
    public void restoreGuestTime(long nanos) {
        lock.lock();
        try {
            for (VcpuTime t : vcpuTimes) t.restart(nanos);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The id and type of the record that carries each vcpu's time in the device list of a save
     * ({@link #saveDevices}): version 1, a u8 count and each vcpu's time (u64 ns). The stream's
     * domain time is vcpu 0's; a stream without this record gives every vcpu that time.
     */
    public static final String VCPU_TIME = "vcpu-time";

    private DeviceState saveVcpuTimes() {
        StateWriter w = new StateWriter();
        w.u8(vcpuTimes.length);
        for (VcpuTime t : vcpuTimes) w.u64(t.clock.nanos());
        return w.finish(1);
    }

    private void loadVcpuTimes(SavedDevice s) {
        String dev = VCPU_TIME;
        if (!s.type().equals(VCPU_TIME)) {
            throw new IllegalArgumentException("device " + s.id() + " is a " + s.type() + " in the stream, the vcpus' time here");
        }
        StateReader.checkVersion(dev, s.state(), 1);
        StateReader r = s.state().reader(dev);
        r.u8("count", vcpuTimes.length, vcpuTimes.length);
        long[] t = new long[vcpuTimes.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = r.u64("vcpu" + i);
            if (t[i] < 0) throw r.bad("vcpu" + i, "a time of " + t[i] + " ns is negative");
        }
        r.end();
        for (int i = 0; i < t.length; i++) vcpuTimes[i].restart(t[i]);
    }

    /**
     * A save of the paused domain begins: its time stands still while the save captures it (a
     * blocked boot vcpu's time follows the host's otherwise, and device timers would fire
     * between the records), so the saved time, the devices and every vcpu's TSC are one instant.
     * Returns whether the time ran before ({@link #releaseTimeAfterSave}).
     */
    public boolean holdTimeForSave() {
        lock.lock();
        try {
            boolean[] ran = new boolean[vcpuTimes.length];
            boolean any = false;
            for (int i = 0; i < ran.length; i++) {
                VcpuTime t = vcpuTimes[i];
                ran[i] = !t.clock.frozen();
                any |= ran[i];
                t.clock.woken();
                t.modeChanged = true;
            }
            ranBeforeSave = ran;
            afterDevices();
            return any;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The save is done: each vcpu whose time ran (as {@link #holdTimeForSave} found it; none if
     * {@code ran} is false) and that is still blocked (or down) has it follow the host's again
     * from where it stood; one that stood still, or that an interrupt woke meanwhile, waits for
     * the vcpu to run.
     */
    public void releaseTimeAfterSave(boolean ran) {
        lock.lock();
        try {
            boolean[] r = ranBeforeSave;
            ranBeforeSave = null;
            for (int i = 0; i < vcpuTimes.length; i++) {
                VcpuImpl v = domain.vcpu(i);
                if (ran && r != null && r[i] && v != null && (v.blocked() || !v.online())) {
                    vcpuTimes[i].clock.descheduled(false);
                    vcpuTimes[i].modeChanged = true;
                }
            }
            afterDevices();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the callback via's line is up (the upcall pending as vcpu 0's upcall_pending shows it). */
    public boolean callbackAsserted() {
        return callbackVia.asserted();
    }

    /** The special pages (xenstore, console) by frame. */
    public int[] specialPages() {
        return specialPages.clone();
    }

    // ---- the device lock ----

    /** Takes the device lock for an access by vcpu {@code cpu}. */
    void enter(int cpu) {
        lock.lock();
        if (lock.getHoldCount() == 1) currentCpu = cpu;
    }

    /** Releases it, re-arming the device timer and pushing console output first. */
    void exit() {
        try {
            if (lock.getHoldCount() == 1) {
                currentCpu = 0;
                afterDevices();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: each vcpu's hypervisor timer follows the earliest deadline on its time
     * ({@link VcpuTime#rearm}); output goes out.
     */
    private void afterDevices() {
        for (VcpuTime t : vcpuTimes) t.rearm();
        for (int i = 0; i < consoles.size(); i++) {
            consoles.get(i).push();
        }
    }

    /** Whether a timer on vcpu {@code cpu}'s time is due (read without the lock: its resume hook's quick check). */
    boolean timersDue(int cpu) {
        VcpuTime t = vcpuTimes[cpu];
        return t.clock.nanos() >= t.armedAt;
    }

    /** Fires the due timers on vcpu {@code cpu}'s time (from its resume hook or its hypervisor timer). */
    void runTimers(int cpu) {
        lock.lock();
        try {
            if (devices == null) return; // destroyed
            VcpuTime t = vcpuTimes[cpu];
            t.armedSystem = Long.MAX_VALUE; // the timer has fired or is about to be re-armed below
            t.modeChanged = true;
            t.timers.runDue(t.clock.nanos());
            afterDevices();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Vcpu {@code cpu} left its pCPU: {@code waiting} runnable (its time stops, its timers with
     * it), else blocked or down (its time follows the host's clock).
     */
    void vcpuDescheduled(int cpu, boolean waiting) {
        lock.lock();
        try {
            VcpuTime t = vcpuTimes[cpu];
            t.clock.descheduled(waiting);
            t.modeChanged = true;
            afterDevices();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: an interrupt woke blocked vcpu {@code cpu}; its time waits for it to run. */
    void vcpuWoken(int cpu) {
        VcpuTime t = vcpuTimes[cpu];
        t.clock.woken();
        t.modeChanged = true;
    }

    /** Vcpu {@code cpu} runs on this pCPU: its time goes on with the thread's CPU time; its timers are armed again. */
    void vcpuScheduledIn(int cpu) {
        lock.lock();
        try {
            VcpuTime t = vcpuTimes[cpu];
            t.clock.scheduledIn();
            t.modeChanged = true;
            afterDevices();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Application processor {@code cpu} takes STARTUP (on its own pCPU thread): its time starts
     * again from vcpu 0's, as every vcpu's time starts with the domain's, so its TSC agrees with
     * the boot vcpu's as a real AP's does after reset.
     */
    void vcpuStarted(int cpu) {
        if (cpu == 0) return;
        lock.lock();
        try {
            VcpuTime t = vcpuTimes[cpu];
            t.clock.startAt(vcpuTimes[0].clock.nanos());
            t.modeChanged = true;
            afterDevices();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hypervisor work on vcpu {@code cpu}'s own running thread {@code begins} or ends: its time
     * stands still meanwhile ({@link GuestTime#hypervisorWorkBegins}). Returns whether it was
     * held (false: the vcpu does not run on this thread; nothing to end then).
     */
    boolean hypervisorWork(int cpu, boolean begins) {
        lock.lock();
        try {
            VcpuTime t = vcpuTimes[cpu];
            boolean held = true;
            if (begins) {
                held = t.clock.hypervisorWorkBegins();
            } else {
                t.clock.hypervisorWorkEnds();
            }
            t.modeChanged = true;
            afterDevices();
            return held;
        } finally {
            lock.unlock();
        }
    }

    /** Vcpu {@code cpu}'s time (its CPU's TSC). */
    GuestTime vcpuClock(int cpu) {
        return vcpuTimes[cpu].clock;
    }

    /** The domain is destroyed: devices and consoles closed, the timer stopped. */
    public void close() {
        lock.lock();
        try {
            for (VcpuTime t : vcpuTimes) {
                t.alarm.stop();
                t.armedAt = Long.MAX_VALUE;
                t.armedSystem = Long.MAX_VALUE;
            }
            if (devices != null) {
                try {
                    devices.closeAll();
                } catch (RuntimeException e) {
                    host.log("d" + domain.id() + ": closing HVM devices: " + e);
                }
                devices = null;
            }
            memory.releaseRom(); // a ROM image's own memory (its RAM is the pool's frames, freed by the destroy)
            for (BufferedConsole c : consoles) {
                c.push();
            }
            for (Console c : opened) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    // a console failing to close must not keep the others open
                }
            }
            opened.clear();
        } finally {
            lock.unlock();
        }
    }

    // ---- DeviceContext ----

    /** The platform devices' clock: vcpu 0's time (the vcpu their interrupts go to). */
    @Override
    public Clock clock() {
        return vcpuTimes[0].clock;
    }

    /** The platform devices' timers: on vcpu 0's time. */
    @Override
    public TimerQueue timers() {
        return vcpuTimes[0].timers;
    }

    /** Vcpu {@code cpu}'s time: its local APIC's clock. */
    @Override
    public Clock clock(int cpu) {
        return vcpuTimes[cpu].clock;
    }

    /** The timers on vcpu {@code cpu}'s time: its local APIC's. */
    @Override
    public TimerQueue timers(int cpu) {
        return vcpuTimes[cpu].timers;
    }

    @Override
    public Interrupts interrupts() {
        return interrupts;
    }

    @Override
    public long ramBytes() {
        return ramBytes;
    }

    @Override
    public int cpuCount() {
        return cpuCount;
    }

    @Override
    public int currentCpu() {
        return currentCpu;
    }

    @Override
    public boolean deterministic() {
        return false;
    }

    @Override
    public Console openConsole(String owner, String spec) {
        Console c;
        if (DOMAIN_CONSOLE.equals(spec)) {
            BufferedConsole com1 = new BufferedConsole(bytes -> domain.console().append(bytes, 0, bytes.length), false);
            com1.keys = new KeyQueue();
            domain.setConsoleKeys(com1.keys::offer);
            c = track(com1);
        } else if (LOG_CONSOLE.equals(spec)) {
            c = track(new BufferedConsole(bytes -> {
                String s = new String(bytes, StandardCharsets.ISO_8859_1);
                for (String line : s.split("\n", -1)) {
                    if (!line.isEmpty()) host.log("(d" + domain.id() + ") " + line.replaceAll("[^\\x20-\\x7e\\t]", ""));
                }
            }, true));
        } else if ("gogo".equals(spec)) {
            return null; // no session started a domain
        } else {
            c = Consoles.open(owner, spec);
        }
        opened.add(c);
        return c;
    }

    private BufferedConsole track(BufferedConsole c) {
        consoles.add(c);
        return c;
    }

    @Override
    public <T> void publish(Class<T> type, T instance) {
        if (published.containsKey(type)) {
            throw new DeviceConfigException("a " + type.getSimpleName()
                    + " is already published on this domain (two devices provide it)");
        }
        published.put(type, instance);
    }

    @Override
    public <T> T lookup(Class<T> type) {
        return type.cast(published.get(type));
    }

    /** 0xCF9 reset: the domain reboots (on_reboot decides what follows). */
    @Override
    public void requestReset() {
        domain.log("HVM reset requested (RESET# through the chipset): rebooting");
        domain.shutdown(ShutdownReason.REBOOT);
    }

    /** ACPI S5 (SLP_EN with the S5 SLP_TYP in PM1a_CNT): the domain powers off (on_poweroff decides what follows). */
    @Override
    public void requestPowerOff() {
        domain.log("HVM ACPI power off requested (S5 through PM1a_CNT): powering off");
        domain.shutdown(ShutdownReason.POWEROFF);
    }

    /** isa-debug-exit: the domain powers off; its status is logged and kept. */
    @Override
    public void requestExit(int status) {
        if (exitStatus == null) {
            exitStatus = status;
            domain.log("isa-debug-exit: status " + status + " (0x" + Integer.toHexString(status >>> 1)
                    + " written to the exit port): powering off");
        }
        domain.shutdown(ShutdownReason.POWEROFF);
    }

    /**
     * Keys typed at a serial console ({@code xl console} on another thread) waiting for the
     * UART's receiver (the device polls under the device lock): a bounded queue of 4 KiB; a
     * terminal that types faster than the guest reads is held back (offer takes what fits).
     *
     * <p>Locking: its own monitor, innermost.
     */
    static final class KeyQueue {
        private final byte[] q = new byte[4096];
        private int head, count;

        synchronized int offer(byte[] b, int off, int len) {
            int n = Math.min(len, q.length - count);
            for (int i = 0; i < n; i++) {
                q[(head + count++) % q.length] = b[off + i];
            }
            return n;
        }

        synchronized int poll() {
            if (count == 0) return -1;
            int v = q[head] & 0xFF;
            head = (head + 1) % q.length;
            count--;
            return v;
        }
    }

    /**
     * Console output collected under the device lock and handed on at the end of each device
     * access (one append per access, not per byte); {@code lines} holds partial lines back.
     */
    private static final class BufferedConsole implements Console {
        private final Consumer<byte[]> sink;
        private final boolean lines;
        private final byte[] buf = new byte[4096];
        private int n;
        /** Keys typed for it (xl console), or null: a console that only writes. */
        KeyQueue keys;

        /** A console with keys is readable: the UART's receiver polls it. */
        @Override
        public boolean readable() {
            return keys != null;
        }

        @Override
        public int poll() {
            return keys == null ? -1 : keys.poll();
        }

        BufferedConsole(Consumer<byte[]> sink, boolean lines) {
            this.sink = sink;
            this.lines = lines;
        }

        @Override
        public void write(int b) {
            if (n == buf.length) {
                emit(n);
            }
            buf[n++] = (byte) b;
        }

        /** Hands on what is complete (everything, or up to the last new line). */
        void push() {
            if (n == 0) return;
            int end = n;
            if (lines) {
                while (end > 0 && buf[end - 1] != '\n') end--;
                if (end == 0) return;
            }
            emit(end);
        }

        private void emit(int end) {
            byte[] out = java.util.Arrays.copyOf(buf, end);
            System.arraycopy(buf, end, buf, 0, n - end);
            n -= end;
            sink.accept(out);
        }

        @Override
        public void close() {
            if (n > 0) emit(n);
        }
    }
}
