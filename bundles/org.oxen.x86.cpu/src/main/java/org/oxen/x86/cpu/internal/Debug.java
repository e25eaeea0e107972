package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * Debug-register breakpoints (DR0-DR3 under DR7, status in DR6) and alignment checking (#AC).
 *
 * <p>Cost model: nothing here runs per instruction unless it has to. {@link #debugActive} (an
 * instruction or data breakpoint enabled in DR7, or EFLAGS.RF set) makes the run loop take
 * one instruction at a time through the interpreter with {@link #beforeInstruction} and
 * {@link #trapBits} around it. Data accesses are checked in the MMU's slow path only
 * ({@link #memCheck}); while a data breakpoint is enabled, or CR0.AM and EFLAGS.AC are both
 * set, the TLB fills no data tags (the user set only, for AC), so every data access takes
 * that path. The flags are recomputed by {@link #debugUpdate} where their inputs change
 * (MOV DR, CR0 and CR4 writes, EFLAGS loads by POPF/IRET/task switch, the state API). I/O
 * breakpoints (R/W 10 with CR4.DE) are checked in the port paths only, while one is enabled
 * ({@link #ioBps}). DR7.GD is checked by MOV DR only ({@link #generalDetect}); any #DB the CPU
 * raises clears it on entry.
 */
abstract class Debug extends Mmu {

    static final int AM = 0x40000;
    /** DR7.GD (general detect) and DR6.BD (debug register access detected): both bit 13. */
    static final int GD = 0x2000, BD = 0x2000;
    /** CR4.DE (debug extensions). */
    static final int CR4_DE = 8;
    private static final int[] LEN = {1, 2, 8, 4};

    /** One instruction at a time with breakpoint checks (a DR7 breakpoint enabled, or RF set). */
    boolean debugActive;
    /** Enabled data breakpoints (R/W 01 or 11), bit n for DRn. */
    int dataBps;
    /** Enabled I/O breakpoints (R/W 10 under CR4.DE), bit n for DRn. */
    int ioBps;
    /** Data and I/O breakpoints hit by the current instruction. */
    int dbHits;
    /** The interrupt shadow comes from a load of SS (it suppresses instruction breakpoints). */
    boolean ssShadow;
    /** A task switch into a 32-bit TSS with its T bit: #DB (DR6.BT) before the task's first instruction. */
    boolean taskTrap;
    private boolean dataTagsOff, userTagsOff;

    Debug(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    /** Recomputes the debug/alignment flags from DR7, CR0.AM and EFLAGS (RF, AC). */
    final void debugUpdate() {
        int data = 0, ports = 0;
        for (int i = 0; i < 4; i++) {
            int rw = (dr7 >>> (16 + 4 * i)) & 3;
            if ((dr7 & (3 << (2 * i))) == 0) continue;
            if (rw == 1 || rw == 3) data |= 1 << i;
            if (rw == 2 && (cr4 & CR4_DE) != 0) ports |= 1 << i; // without DE R/W 10 is undefined: none
        }
        dataBps = data;
        ioBps = ports;
        debugActive = (dr7 & 0xFF) != 0 || (eflags & RF) != 0;
        boolean all = data != 0;
        boolean user = all || ((cr0 & AM) != 0 && (eflags & AC) != 0);
        if ((!all && dataTagsOff) || (!user && userTagsOff)) {
            flushTlb(true); // back to the fast path: refill the tags
        } else if ((all && !dataTagsOff) || (user && !userTagsOff)) {
            for (int i = all ? 0 : TLB_SIZE; i < 2 * TLB_SIZE; i++) {
                tagR[i] = INVALID;
                tagW[i] = INVALID;
            }
            flushNativeTlb();
        }
        dataTagsOff = all;
        userTagsOff = user;
    }

    /** Whether the TLB may fill the data tags of {@code set} (see the class comment). */
    final boolean dataTagsAllowed(int set) {
        return dataBps == 0 && (set == 0 || (cr0 & AM) == 0 || (eflags & AC) == 0);
    }

    /**
     * The slow-path check of a data access of {@code n} bytes at {@code lin} (after its
     * translation): #AC(0) for a misaligned access at CPL 3 (the user TLB set) with CR0.AM and
     * EFLAGS.AC; data breakpoint hits are noted in {@link #dbHits}.
     */
    @Override
    final void memCheck(int lin, int n, int set, boolean write) {
        if (set != 0 && (lin & (n - 1)) != 0 && (cr0 & AM) != 0 && (eflags & AC) != 0) {
            throw raise(AC_V, 0);
        }
        if (dataBps != 0 && !sysAccess) {
            dataBreak(lin, n, write);
        }
    }

    /** #AC for an operand that must be 8-byte aligned (CMPXCHG8B), at CPL 3 with AM and AC. */
    final void alignCheck8(int lin) {
        if (tlbSet != 0 && (lin & 7) != 0 && (cr0 & AM) != 0 && (eflags & AC) != 0) {
            throw raise(AC_V, 0);
        }
    }

    /**
     * An I/O access of {@code n} bytes at {@code port} (IN/OUT, one INS/OUTS element) while an
     * I/O breakpoint is enabled: the breakpoints whose range it overlaps are noted in
     * {@link #dbHits}, for the trap after the instruction (or the REP iteration).
     */
    final void ioBreak(int port, int n) {
        for (int i = 0; i < 4; i++) {
            if ((ioBps & (1 << i)) == 0) continue;
            int len = LEN[(dr7 >>> (18 + 4 * i)) & 3];
            long b = (dr[i] & ~(len - 1)) & 0xFFFFFFFFL;
            if (port < b + len && b < port + n) {
                dbHits |= 1 << i;
            }
        }
    }

    /** Breakpoint hits of the current instruction that end it in a #DB trap (data and I/O). */
    final int trapHits() {
        return dbHits & (dataBps | ioBps);
    }

    /**
     * MOV to or from a debug register with DR7.GD set: a #DB fault (EIP at the MOV) with DR6.BD
     * (B0-B3 cleared: they are rewritten on every #DB). The delivery clears GD
     * ({@link #faultEntry}).
     */
    final void generalDetect() {
        if ((dr7 & GD) != 0) {
            dr6 = (dr6 & ~0xF) | BD;
            throw raise(DB);
        }
    }

    /**
     * Before the delivery of the fault {@code vec} raised by an instruction (after any exception
     * exit): every fault-class exception but #DB (and #DF, #MC, NMI) pushes RF=1 (SDM Vol. 3,
     * 18.3.1.1); a #DB (instruction breakpoint, general detect) clears DR7.GD, so that the handler
     * may use the debug registers (18.2.4).
     */
    final void faultEntry(int vec) {
        if (vec == DB) {
            dr7 &= ~GD;
        } else if (vec != DF_V && vec != MC && vec != NMI_V) {
            eflags |= RF;
        }
    }

    private void dataBreak(int lin, int n, boolean write) {
        long a = lin & 0xFFFFFFFFL;
        for (int i = 0; i < 4; i++) {
            if ((dataBps & (1 << i)) == 0) continue;
            if (!write && ((dr7 >>> (16 + 4 * i)) & 3) == 1) continue; // write-only breakpoint
            int len = LEN[(dr7 >>> (18 + 4 * i)) & 3];
            long b = (dr[i] & ~(len - 1)) & 0xFFFFFFFFL;
            if (a < b + len && b < a + n) {
                dbHits |= 1 << i;
            }
        }
    }

    /** Arms the T-bit trap of a task switch (SDM Vol. 3, 18.3.1.5); the run loop delivers it. */
    final void armTaskTrap() {
        taskTrap = true;
        debugActive = true;
        breakBatch = true;
    }

    /**
     * Before an instruction in debug mode: a pending task-switch trap (from an event delivered
     * through a task gate) comes first: its DR6 bits are returned (BT) for the run loop to
     * deliver instead of the instruction. Else an enabled instruction breakpoint (R/W 00) at
     * CS.base+EIP is a fault (#DB, B0-B3 in DR6, RF not set in the pushed EFLAGS) unless RF is
     * set or the instruction follows a load of SS; then RF is cleared (SDM Vol. 3, 18.3.1.1)
     * and 0 returned.
     */
    final int beforeInstruction(boolean shadow) {
        if (taskTrap) {
            taskTrap = false;
            debugUpdate();
            return 0x8000;
        }
        if ((eflags & RF) == 0 && !(shadow && ssShadow)) {
            int lin = segBase[CS] + eip;
            int hit = 0;
            for (int i = 0; i < 4; i++) {
                if ((dr7 & (3 << (2 * i))) != 0 && ((dr7 >>> (16 + 4 * i)) & 3) == 0 && dr[i] == lin) {
                    hit |= 1 << i;
                }
            }
            if (hit != 0) {
                dr6 = (dr6 & ~0xF) | hit;
                startEip = eip;
                throw raise(DB);
            }
        }
        if ((eflags & RF) != 0) {
            eflags &= ~RF;
            debugActive = (dr7 & 0xFF) != 0;
        }
        dbHits = 0;
        return 0;
    }

    /**
     * After an instruction completed with TF set before it ({@code singleStep}) or in debug
     * mode: the DR6 bits of the #DB trap to take (BS, B0-B3 of the data breakpoints it hit, BT
     * after a switch to a task with the T bit), or 0.
     */
    final int trapBits(boolean singleStep) {
        int b = trapHits();
        dbHits = 0;
        if (taskTrap) { // the instruction switched to a task with the T bit
            taskTrap = false;
            b |= 0x8000;
            debugUpdate();
        }
        return singleStep ? b | 0x4000 : b;
    }

    /**
     * DR6 after a #DB trap with {@code bits}: B0-B3 are this event's, BS/BT/BD accumulate; the
     * delivery clears DR7.GD (18.2.4).
     */
    final void dr6Trap(int bits) {
        dr6 = (dr6 & ~0xF) | bits;
        dr7 &= ~GD;
    }

    /** Reads DR0-3 / DR6 / DR7, DR4/DR5 as DR6/DR7 (MOV DR with CR4.DE clear, the state API). */
    final int readDr(int n) {
        return n < 4 ? dr[n] : (n & 1) == 0 ? dr6 : dr7;
    }

    /** Sets DR0-3 / DR6 / DR7, DR4/DR5 as DR6/DR7 (MOV DR with CR4.DE clear, the state API). */
    final void writeDr(int n, int v) {
        if (n < 4) {
            dr[n] = v;
        } else if ((n & 1) == 0) {
            dr6 = v | 0xFFFF0FF0;
        } else {
            dr7 = (v | 0x400) & ~0xD800;
        }
        debugUpdate();
    }
}
