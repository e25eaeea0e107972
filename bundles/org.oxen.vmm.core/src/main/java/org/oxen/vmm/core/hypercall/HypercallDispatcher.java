package org.oxen.vmm.core.hypercall;

import java.util.concurrent.atomic.AtomicLong;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.GrantTable;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.core.trace.TraceBuffers;
import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.VcpuOp;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The hypercall table (Xen's hypercall_table / do_multicall_call): one handler per number, one
 * handler class per family. Arguments come from ebx, ecx, edx, esi, edi, ebp; the result goes
 * to eax (iret sets all registers itself).
 *
 * <p>Last-resort safety: a {@link GuestFault} escaping a handler becomes -EFAULT; any other
 * exception is a hypervisor bug: the calling domain is crashed with a log line, the count of
 * {@link #internalErrors()} goes up, and the hypervisor goes on.
 */
public final class HypercallDispatcher implements org.oxen.vmm.core.trap.PvExitHandler.Hypercalls {

    /** One hypercall: the calling vcpu, six arguments, whether it runs inside a multicall. */
    @FunctionalInterface
    public interface Handler {
        long call(VcpuImpl v, int a1, int a2, int a3, int a4, int a5, int a6, boolean inMulticall);
    }

    private final Handler[] table = new Handler[Hypercall.NR_HYPERCALLS];
    /**
     * The same handlers as HVM vcpus may call them (Xen's hvm_hypercall_table, the hvm32
     * column of hypercall-defs.c), as far as oxen offers them to HVM domains; the families whose
     * HVM forms Xen audits per sub-command (memory_op, grant_table_op, vcpu_op) are filtered.
     */
    private final Handler[] hvmTable = new Handler[Hypercall.NR_HYPERCALLS];
    private final AtomicLong internalErrors = new AtomicLong();
    private final Services services;
    private final TrapHypercalls traps;
    private final MmuHypercalls mmu;
    private final PtwrEmulation ptwr;
    private final VcpuHypercalls vcpuOps;

    public HypercallDispatcher(Services s) {
        this.services = s;
        ConsoleHypercalls console = new ConsoleHypercalls(s);
        VersionHypercalls version = new VersionHypercalls(s);
        MemoryHypercalls memory = new MemoryHypercalls(s);
        mmu = new MmuHypercalls(s);
        ptwr = new PtwrEmulation(s, mmu);
        traps = new TrapHypercalls(s);
        SchedHypercalls sched = new SchedHypercalls(s);
        CallbackHypercalls callbacks = new CallbackHypercalls(s);
        PhysdevHypercalls physdev = new PhysdevHypercalls(s);
        MulticallHypercall multicall = new MulticallHypercall(s, this);
        EventChannelHypercalls evtchn = new EventChannelHypercalls(s);
        VcpuHypercalls vcpu = new VcpuHypercalls(s, traps, mmu);
        vcpuOps = vcpu;
        GrantHypercalls grants = new GrantHypercalls(s, new org.oxen.vmm.core.grant.GuestGrants(s.grants()), mmu);

        table[Hypercall.SET_TRAP_TABLE] = traps::setTrapTable;
        table[Hypercall.MMU_UPDATE] = mmu::mmuUpdate;
        table[Hypercall.SET_GDT] = traps::setGdt;
        table[Hypercall.STACK_SWITCH] = traps::stackSwitch;
        table[Hypercall.SET_CALLBACKS] = callbacks::setCallbacks;
        table[Hypercall.FPU_TASKSWITCH] = traps::fpuTaskswitch;
        table[Hypercall.SCHED_OP_COMPAT] = sched::schedOpCompat;
        table[Hypercall.SET_DEBUGREG] = traps::setDebugreg;
        table[Hypercall.GET_DEBUGREG] = traps::getDebugreg;
        table[Hypercall.UPDATE_DESCRIPTOR] = traps::updateDescriptor;
        table[Hypercall.MEMORY_OP] = memory::memoryOp;
        table[Hypercall.MULTICALL] = multicall::multicall;
        table[Hypercall.UPDATE_VA_MAPPING] = mmu::updateVaMapping;
        table[Hypercall.XEN_VERSION] = version::xenVersion;
        table[Hypercall.CONSOLE_IO] = console::consoleIo;
        table[Hypercall.PHYSDEV_OP_COMPAT] = physdev::physdevOpCompat;
        table[Hypercall.VM_ASSIST] = VmAssistHypercall::vmAssist;
        table[Hypercall.UPDATE_VA_MAPPING_OTHERDOMAIN] = mmu::updateVaMappingOtherdomain;
        table[Hypercall.IRET] = traps::iret;
        table[Hypercall.MMUEXT_OP] = mmu::mmuextOp;
        table[Hypercall.SCHED_OP] = sched::schedOp;
        table[Hypercall.CALLBACK_OP] = callbacks::callbackOp;
        table[Hypercall.PHYSDEV_OP] = physdev::physdevOp;
        table[Hypercall.EVENT_CHANNEL_OP] = evtchn::eventChannelOp;
        table[Hypercall.SET_TIMER_OP] = vcpu::setTimerOp;
        table[Hypercall.VCPU_OP] = vcpu::vcpuOp;
        table[Hypercall.EVENT_CHANNEL_OP_COMPAT] = evtchn::eventChannelOpCompat;
        table[Hypercall.GRANT_TABLE_OP] = grants::grantTableOp;
        HvmHypercalls hvm = new HvmHypercalls(s);
        table[Hypercall.HVM_OP] = hvm::hvmOp;
        memory.setHvm(hvm);

        hvmTable[Hypercall.MEMORY_OP] = (v, cmd, a2, a3, a4, a5, a6, mc) -> hvmMemoryOp(cmd & Memory.MEMOP_CMD_MASK)
                ? memory.memoryOp(v, cmd, a2, a3, a4, a5, a6, mc) : -Errno.ENOSYS;
        hvmTable[Hypercall.MULTICALL] = table[Hypercall.MULTICALL];
        hvmTable[Hypercall.SET_TIMER_OP] = table[Hypercall.SET_TIMER_OP];
        hvmTable[Hypercall.XEN_VERSION] = table[Hypercall.XEN_VERSION];
        hvmTable[Hypercall.CONSOLE_IO] = table[Hypercall.CONSOLE_IO];
        hvmTable[Hypercall.GRANT_TABLE_OP] = (v, cmd, a2, a3, a4, a5, a6, mc) -> hvmGrantOp(cmd)
                ? grants.grantTableOp(v, cmd, a2, a3, a4, a5, a6, mc) : -Errno.ENOSYS;
        hvmTable[Hypercall.VCPU_OP] = (v, cmd, a2, a3, a4, a5, a6, mc) -> hvmVcpuOp(cmd)
                ? vcpu.vcpuOp(v, cmd, a2, a3, a4, a5, a6, mc) : -Errno.ENOSYS;
        hvmTable[Hypercall.SCHED_OP] = table[Hypercall.SCHED_OP];
        hvmTable[Hypercall.EVENT_CHANNEL_OP] = table[Hypercall.EVENT_CHANNEL_OP];
        hvmTable[Hypercall.HVM_OP] = table[Hypercall.HVM_OP];
    }

    /**
     * memory_op sub-commands for HVM: Xen refuses machine_memory_map and machphys_mapping
     * (hvm_memory_op); the reservation ops take GFNs from a translated domain
     * ({@link ReservationHypercalls}), and so does exchange ({@link MemoryExchange}), as Xen's
     * memory_exchange for a translated domain.
     */
    private static boolean hvmMemoryOp(int cmd) {
        return switch (cmd) {
            case Memory.XENMEM_ADD_TO_PHYSMAP, Memory.XENMEM_CURRENT_RESERVATION, Memory.XENMEM_MAXIMUM_RESERVATION,
                    Memory.XENMEM_MAXIMUM_GPFN, Memory.XENMEM_MAXIMUM_RAM_PAGE, Memory.XENMEM_INCREASE_RESERVATION,
                    Memory.XENMEM_DECREASE_RESERVATION, Memory.XENMEM_POPULATE_PHYSMAP, Memory.XENMEM_EXCHANGE -> true;
            default -> false;
        };
    }

    /**
     * grant_table_op for HVM (hvm_grant_table_op's list): query_size, setup_table, set_version,
     * get_version, copy (a local frame by GFN), map_grant_ref and unmap_grant_ref (host_map into
     * the P2M at host_addr's GFN), swap_grant_ref.
     */
    private static boolean hvmGrantOp(int cmd) {
        return switch (cmd) {
            case GrantTable.OP_QUERY_SIZE, GrantTable.OP_SETUP_TABLE, GrantTable.OP_SET_VERSION,
                    GrantTable.OP_GET_VERSION, GrantTable.OP_COPY, GrantTable.OP_MAP_GRANT_REF,
                    GrantTable.OP_UNMAP_GRANT_REF, GrantTable.OP_SWAP_GRANT_REF -> true;
            default -> false;
        };
    }

    /** vcpu_op for HVM (hvm_vcpu_op's list) as far as oxen has it for HVM vcpus: timers and runstate. */
    private static boolean hvmVcpuOp(int cmd) {
        return switch (cmd) {
            case VcpuOp.GET_RUNSTATE_INFO, VcpuOp.SET_PERIODIC_TIMER, VcpuOp.STOP_PERIODIC_TIMER,
                    VcpuOp.SET_SINGLESHOT_TIMER, VcpuOp.STOP_SINGLESHOT_TIMER -> true;
            default -> false;
        };
    }

    /**
     * A hypercall an HVM vcpu made with VMCALL/VMMCALL (EIP already after it): from ring 0
     * through {@link #hvmTable}; from any other ring -EPERM, as Xen's hvm_hypercall.
     */
    public void dispatchHvm(VcpuImpl v) {
        X86Cpu c = v.cpu();
        if (c.cpl() != 0) {
            c.setGpr(X86Cpu.EAX, -Errno.EPERM);
            return;
        }
        int nr = c.gpr(X86Cpu.EAX);
        long rc = call(v, nr, c.gpr(X86Cpu.EBX), c.gpr(X86Cpu.ECX), c.gpr(X86Cpu.EDX), c.gpr(X86Cpu.ESI),
                c.gpr(X86Cpu.EDI), c.gpr(X86Cpu.EBP), false);
        c.setGpr(X86Cpu.EAX, (int) rc);
    }

    /**
     * arch_set_info_guest, as XEN_DOMCTL_setvcpucontext gives it to a toolstack (the restore):
     * the same checks and effects as VCPUOP_initialise for a vcpu that has not run. 0 or -errno.
     */
    public long setVcpuContext(VcpuImpl t, org.oxen.vmm.core.domain.VcpuContext c) {
        synchronized (t.domain().domainLock) {
            return t.initialised() ? -org.oxen.vmm.abi.Errno.EEXIST : vcpuOps.setContext(t, c);
        }
    }

    /** PHYSDEVOP_set_iobitmap's effect on {@code v}, as a toolstack restores it: 0 or -EINVAL. */
    public long setIobitmap(VcpuImpl v, int bitmap, int nrPorts) {
        return PhysdevHypercalls.setIobitmap(v, bitmap, nrPorts);
    }

    public long internalErrors() {
        return internalErrors.get();
    }

    /** A V2 hypercall record's first word: arguments 1-4 follow, 32 bits each. */
    private static final int ARGS_1_TO_4 = Trace.hypercallV2Arg32(0) | Trace.hypercallV2Arg32(1) | Trace.hypercallV2Arg32(2)
            | Trace.hypercallV2Arg32(3);

    /** Handles the hypercall the vcpu made with int $0x82 (EIP already after the instruction). */
    @Override
    public void dispatch(VcpuImpl v) {
        X86Cpu c = v.cpu();
        int nr = c.gpr(X86Cpu.EAX);
        v.hypercallInsnLength = 2;
        long rc = call(v, nr, c.gpr(X86Cpu.EBX), c.gpr(X86Cpu.ECX), c.gpr(X86Cpu.EDX), c.gpr(X86Cpu.ESI),
                c.gpr(X86Cpu.EDI), c.gpr(X86Cpu.EBP), false);
        if (nr != Hypercall.IRET || rc != TrapHypercalls.IRET_DONE) {
            c.setGpr(X86Cpu.EAX, (int) rc);
        }
    }

    /** One call through the table (also for multicall entries). */
    public long call(VcpuImpl v, int nr, int a1, int a2, int a3, int a4, int a5, int a6, boolean inMulticall) {
        Handler[] t = v.linearSpace != 0 ? hvmTable : table; // an HVM vcpu's calls (multicall entries too)
        if (nr < 0 || nr >= t.length || t[nr] == null) {
            return -Errno.ENOSYS;
        }
        v.counters.hypercall(nr, a1, a2);
        TraceBuffers trace = v.domain().trace;
        if (trace.on(Trace.TRC_PV)) {
            trace.trace5(inMulticall ? Trace.TRC_PV_HYPERCALL_SUBCALL : Trace.TRC_PV_HYPERCALL_V2, nr | ARGS_1_TO_4,
                    a1, a2, a3, a4);
        }
        try {
            long rc = t[nr].call(v, a1, a2, a3, a4, a5, a6, inMulticall);
            if (trace.on(Trace.TRC_PV)) trace.trace2(Trace.TRC_PV_OXEN_HYPERCALL_RETURN, nr, (int) rc);
            return rc;
        } catch (GuestFault f) {
            return -Errno.EFAULT;
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                throw (VirtualMachineError) e;
            }
            internalErrors.incrementAndGet();
            services.log("BUG: hypercall " + nr + " of " + v + " threw " + e);
            v.domain().crash("hypervisor error in hypercall " + nr + ": " + e);
            v.endSlice = true;
            return -Errno.EINVAL;
        }
    }

    @Override
    public boolean mapLdtPage(VcpuImpl v, int page) {
        return mmu.mapLdtPage(v, page);
    }

    @Override
    public boolean emulatePageTableWrite(VcpuImpl v, X86Cpu cpu, int eip, int error, int address) {
        return ptwr.handle(v, cpu, eip, error, address);
    }

    /** Counts an internal error caught elsewhere (the exit handler). */
    @Override
    public void countInternalError() {
        internalErrors.incrementAndGet();
    }
}
