package org.oxen.x86.cpu;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptAcknowledge;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.internal.Core;

/**
 * One x86 CPU (i386 integer ISA plus the later instructions compilers and Xen guests use,
 * protected mode, paging with PSE and PAE/NX, x87).
 *
 * <p>Threading: a CPU is driven by one thread at a time ({@link #run}, the state accessors, the
 * exit configuration). {@link #requestStop()}, {@link #intr()} and {@link #nmi()} may be called
 * from any thread; they take effect between instruction batches.
 */
@ProviderType
public interface X86Cpu {

    /** Register indices for {@link #gpr}. */
    int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
    /** Segment register indices (hardware encoding). */
    int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    /**
     * Creates a CPU in its power-on state (real mode, CS:EIP = F000:FFF0 with CS base FFFF0000).
     * If {@code memory} also implements {@link org.oxen.x86.api.DirectMemory}, RAM accesses take
     * the TLB fast path. {@code ioBus} sees the whole 64 KiB port space (offset = port number).
     */
    static X86Cpu create(PhysicalMemory memory, IoPortDevice ioBus) {
        return new Core(memory, ioBus, CpuOptions.DEFAULT);
    }

    /** As {@link #create(PhysicalMemory, IoPortDevice)}, executing as {@code options} say. */
    static X86Cpu create(PhysicalMemory memory, IoPortDevice ioBus, CpuOptions options) {
        return new Core(memory, ioBus, options);
    }

    // ---- running ----

    /** Runs at most {@code maxInstructions} instructions (a REP string instruction counts once). */
    RunResult run(long maxInstructions);

    /** Makes {@link #run} return {@link RunResult#STOPPED} soon; any thread. */
    void requestStop();

    /**
     * From the thread running this CPU, inside one of its instructions (a device that an I/O
     * instruction or a memory access reached, e.g. one that armed a deadline): {@link #run}
     * returns {@link RunResult#STOPPED} right after that instruction retires, before the next
     * one, whichever of the interpreter, the decoded-instruction loop or translated code runs
     * it. From any other thread, or outside {@link #run}, it is {@link #requestStop()}. (A
     * memory read that asks for it from inside translated code that calls the CPU for its
     * accesses stops when that code leaves, within the inner batch of 4,096 instructions; no
     * device of the board asks on a read.) Since 1.10.
     */
    void requestStopAfterInstruction();

    /**
     * Instructions retired since creation; also exact while an instruction runs that reads the
     * clock (RDTSC, RDMSR of the TSC) or exits, so a clock derived from it is deterministic.
     */
    long instructionCount();

    /** What this CPU's translator has compiled, failed to compile and dropped so far. */
    TranslationStatistics translationStatistics();

    /**
     * Who is told when the translator works on this CPU's thread ({@code null}: no one); set by
     * the thread that drives the CPU, before or between runs. Since 1.11.
     */
    void setTranslationListener(TranslationListener listener);

    /** Power-on / RESET state (memory untouched, exit configuration kept). */
    void reset();

    boolean isHalted();

    void setHalted(boolean halted);

    // ---- interrupts ----

    /** The INTR pin; level-triggered. The vector comes from {@link #setInterruptController}. */
    InterruptLine intr();

    void setInterruptController(InterruptAcknowledge controller);

    /** Raises NMI (edge); any thread. */
    void nmi();

    /** FERR#, raised on an unmasked x87 error while CR0.NE is clear (IRQ 13 on a PC). */
    void setFerrLine(InterruptLine line);

    /** Delivers an exception before the next instruction; {@code errorCode} -1 for none. */
    void injectException(int vector, int errorCode);

    /** Delivers an external interrupt before the next instruction, regardless of IF. */
    void injectInterrupt(int vector);

    // ---- state ----

    int gpr(int index);

    void setGpr(int index, int value);

    int eip();

    void setEip(int eip);

    int eflags();

    void setEflags(int eflags);

    /** ES..GS = 0..5. */
    SegmentState segment(int seg);

    /** Sets the whole register including the hidden part (no checks); setting CS sets CPL to its DPL. */
    void setSegment(int seg, SegmentState s);

    /** Loads a segment register as MOV would (descriptor checks in protected mode); false if it faulted. */
    boolean loadSegment(int seg, int selector);

    SegmentState ldtr();

    void setLdtr(SegmentState s);

    SegmentState tr();

    void setTr(SegmentState s);

    int gdtBase();

    int gdtLimit();

    void setGdt(int base, int limit);

    int idtBase();

    int idtLimit();

    void setIdt(int base, int limit);

    int cpl();

    void setCpl(int cpl);

    /** CR0, CR2, CR3, CR4. */
    int cr(int n);

    /** Writes a CR with the architectural side effects (TLB flush, PDPTE load) but no checks. */
    void setCr(int n, int value);

    int dr(int n);

    void setDr(int n, int value);

    /** Reads an MSR; IllegalArgumentException if this CPU has no such MSR. */
    long msr(int index);

    void setMsr(int index, long value);

    /** The event state between instructions (1.7: save and restore). */
    CpuEvents events();

    /** Sets the event state between instructions (1.7: restore; any thread-safety as {@link #setEip}). */
    void setEvents(CpuEvents events);

    /** FXSAVE image (512 bytes) of the x87 state. */
    void saveFpu(byte[] fxsave);

    void restoreFpu(byte[] fxsave);

    CpuidModel cpuidModel();

    void setCpuidModel(CpuidModel model);

    /** Time base of RDTSC (nanoseconds); without a clock the TSC counts retired instructions. */
    void setClock(Clock clock);

    /** The TSC's rate with a clock ({@link #setClock}): one count per nanosecond. */
    long TSC_HZ = 1_000_000_000L;

    // ---- guest-virtual access for the owner (copy_from_guest / copy_to_guest) ----

    /**
     * Translates a linear address through the current paging mode as an access of the given kind
     * would (setting accessed/dirty bits, filling the TLB), without raising anything. Returns the
     * physical address, or {@code -1 - errorCode} (a #PF error code) if the access would fault.
     */
    long translateLinear(int linear, boolean write, boolean user);

    /** Copies guest-linear memory into {@code dst}; false (nothing defined copied) if a page would fault. */
    boolean readLinear(int linear, byte[] dst, int offset, int length, boolean user);

    /** Copies {@code src} to guest-linear memory; false if a page would fault (checked before writing). */
    boolean writeLinear(int linear, byte[] src, int offset, int length, boolean user);

    /** Drops every TLB entry (after the owner changes page tables behind the guest's back). */
    void flushTlb();

    /**
     * Drops the TLB entries that translate the page of {@code linear} (as INVLPG: a large page
     * that covers it too), for the owner's single-entry flushes (Xen's UVMF_INVLPG, MMUEXT_INVLPG_*).
     */
    void invalidatePage(int linear);

    /**
     * Tells the CPU that physical memory was written by someone else (DMA): cached decoded code
     * for that range must go. (The interpreter decodes from memory each time; kept for the
     * translator.)
     */
    void invalidateCode(long physAddress, int length);

    // ---- exits ----

    void setExitHandler(ExitHandler handler);

    void setSoftwareInterruptExit(int vector, boolean on);

    /** Every occurrence of exception {@code vector} (0..31) exits. */
    void setExceptionExit(int vector, boolean on);

    /** #GP(0) raised by a privileged instruction at CPL &gt; 0 (or IOPL-sensitive CLI/STI) exits. */
    void setPrivilegedGpExit(boolean on);

    /** #PF at a linear address in [start, end) exits. */
    void addPageFaultExitRange(int start, int end);

    /** Protection #PF (present page) on physical frame {@code frame} (address / 4096) exits. */
    void setPageFaultExitFrame(long frame, boolean on);

    void clearPageFaultExits();

    void setHltExit(boolean on);

    void setIoExit(int port, boolean on);

    void setCrExit(int cr, boolean read, boolean write);

    /**
     * VMCALL and VMMCALL exit ({@link ExitReason#VMCALL}) at every CPL instead of raising #UD: the
     * hypercall instructions of an HVM guest (Xen's hypercall page uses the vendor's one; both work).
     */
    void setVmcallExit(boolean on);

    /** Every RDMSR/WRMSR exits. */
    void setMsrExit(boolean on);

    /** RDMSR/WRMSR of MSR {@code index} exits (in addition to {@link #setMsrExit(boolean)}). */
    void setMsrExit(int index, boolean on);

    /** The last exit (valid in the handler and after {@link RunResult#EXIT}). */
    CpuExit lastExit();

    /** After a STOP: finishes the exited instruction as {@link ExitAction#COMPLETE} would with {@code value}. */
    void completeExit(long value);
}
