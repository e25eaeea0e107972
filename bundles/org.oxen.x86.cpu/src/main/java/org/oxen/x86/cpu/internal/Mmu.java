package org.oxen.x86.cpu.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.host.RawMemory;

/**
 * Memory access by linear and by segmented address: the accessors (a TLB hit on a RAM page
 * inline, the walk, MMIO, page crossing and the debug checks out of line), segmentation
 * checks, the compare-and-set that ends a LOCK'd read-modify-write, system-structure accesses
 * and instruction fetch through the fetch window. Paging and the TLB are {@link Paging}'s.
 *
 * <p>A fast path's raw access is at a TLB entry's page address plus {@code lin & 0xFFF} after
 * the tag test ({@link #tlbHit}) has shown the access ends inside the page: see {@link Paging}
 * for why that address is always a whole mapped page.
 */
abstract class Mmu extends Paging {

    static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** 0 for supervisor, TLB_SIZE for user (CPL 3) accesses. */
    int tlbSet;
    /** An implicit access to a system structure (GDT, LDT, IDT, TSS): no data breakpoint. */
    boolean sysAccess;

    Mmu(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    /** Alignment and data-breakpoint check of a slow-path data access, after its translation. */
    abstract void memCheck(int lin, int n, int set, boolean write);

    // ---- linear-address access (set chosen by caller; the slow paths call memCheck) ----

    // Each access is a small fast path (TLB hit on a RAM page) that C2 inlines at every call site,
    // and a slow path kept out of line (page walk, MMIO, page crossing, debug checks).

    final int lread8(int lin, int set) {
        int i = tlbEntry(set, lin);
        if (tlbHit(tagR[i], lin, 1)) {
            return RawMemory.getByte(tAddr[i] + (lin & 0xFFF)) & 0xFF;
        }
        return lread8Slow(lin, set);
    }

    private int lread8Slow(int lin, int set) {
        long pa = physOf(lin, ACC_READ, set);
        memCheck(lin, 1, set, false);
        return mem.read8(pa);
    }

    final int lread16(int lin, int set) {
        int i = tlbEntry(set, lin);
        if (tlbHit(tagR[i], lin, 2)) {
            return RawMemory.getShort(tAddr[i] + (lin & 0xFFF)) & 0xFFFF;
        }
        return lread16Slow(lin, set);
    }

    private int lread16Slow(int lin, int set) {
        if ((lin & 0xFFF) == 0xFFF) {
            physOf(lin, ACC_READ, set);
            physOf(lin + 1, ACC_READ, set);
            memCheck(lin, 2, set, false);
            return lread8(lin, set) | lread8(lin + 1, set) << 8;
        }
        long pa = physOf(lin, ACC_READ, set);
        memCheck(lin, 2, set, false);
        return mem.read16(pa);
    }

    final int lread32(int lin, int set) {
        int i = tlbEntry(set, lin);
        if (tlbHit(tagR[i], lin, 4)) {
            return RawMemory.getInt(tAddr[i] + (lin & 0xFFF));
        }
        return lread32Slow(lin, set);
    }

    private int lread32Slow(int lin, int set) {
        if ((lin & 0xFFF) > 0xFFC) {
            physOf(lin, ACC_READ, set);
            physOf((lin + 3) & 0xFFFFF000, ACC_READ, set);
            memCheck(lin, 4, set, false);
            return lread8(lin, set) | lread8(lin + 1, set) << 8 | lread8(lin + 2, set) << 16
                    | lread8(lin + 3, set) << 24;
        }
        long pa = physOf(lin, ACC_READ, set);
        memCheck(lin, 4, set, false);
        return mem.read32(pa);
    }

    final void lwrite8(int lin, int v, int set) {
        int i = tlbEntry(set, lin);
        if (tlbHit(tagW[i], lin, 1)) {
            RawMemory.putByte(tAddr[i] + (lin & 0xFFF), (byte) v);
            return;
        }
        lwrite8Slow(lin, v, set);
    }

    private void lwrite8Slow(int lin, int v, int set) {
        long pa = physOf(lin, ACC_WRITE, set);
        memCheck(lin, 1, set, true);
        mem.write8(pa, v);
    }

    final void lwrite16(int lin, int v, int set) {
        int i = tlbEntry(set, lin);
        if (tlbHit(tagW[i], lin, 2)) {
            RawMemory.putShort(tAddr[i] + (lin & 0xFFF), (short) v);
            return;
        }
        lwrite16Slow(lin, v, set);
    }

    private void lwrite16Slow(int lin, int v, int set) {
        if ((lin & 0xFFF) == 0xFFF) {
            physOf(lin, ACC_WRITE, set);
            physOf((lin + 1) & 0xFFFFF000, ACC_WRITE, set);
            memCheck(lin, 2, set, true);
            lwrite8(lin, v, set);
            lwrite8(lin + 1, v >>> 8, set);
            return;
        }
        long pa = physOf(lin, ACC_WRITE, set);
        memCheck(lin, 2, set, true);
        mem.write16(pa, v);
    }

    final void lwrite32(int lin, int v, int set) {
        int i = tlbEntry(set, lin);
        if (tlbHit(tagW[i], lin, 4)) {
            RawMemory.putInt(tAddr[i] + (lin & 0xFFF), v);
            return;
        }
        lwrite32Slow(lin, v, set);
    }

    private void lwrite32Slow(int lin, int v, int set) {
        if ((lin & 0xFFF) > 0xFFC) {
            physOf(lin, ACC_WRITE, set);
            physOf((lin + 3) & 0xFFFFF000, ACC_WRITE, set);
            memCheck(lin, 4, set, true);
            for (int k = 0; k < 4; k++) {
                lwrite8(lin + k, v >>> (8 * k), set);
            }
            return;
        }
        long pa = physOf(lin, ACC_WRITE, set);
        memCheck(lin, 4, set, true);
        mem.write32(pa, v);
    }

    /** Checks that a write of {@code n} bytes at lin would not fault (for multi-part writes). */
    final void probeWrite(int lin, int n) {
        physOf(lin, ACC_WRITE, tlbSet);
        if (((lin ^ (lin + n - 1)) & 0xFFFFF000) != 0) {
            physOf((lin + n - 1) & 0xFFFFF000, ACC_WRITE, tlbSet);
        }
    }

    // ---- segmentation ----

    /** #GP(0) unless {@code newEip} is within CS's limit (every transfer of control and every fetch checks this). */
    final void checkEip(int newEip) {
        if ((newEip & 0xFFFFFFFFL) > (segLimit[CS] & 0xFFFFFFFFL)) {
            throw gp(0);
        }
    }

    /** Linear address of a checked access of {@code n} bytes at {@code off} in segment {@code s}. */
    final int linR(int s, int off, int n) {
        if (segFlatR[s]) {
            return segBase[s] + off;
        }
        return segCheck(s, off, n, false);
    }

    final int linW(int s, int off, int n) {
        if (segFlatW[s]) {
            return segBase[s] + off;
        }
        return segCheck(s, off, n, true);
    }

    private int segCheck(int s, int off, int n, boolean write) {
        int a = segAttr[s];
        int vec = s == SS ? SSF : GP;
        if (pm() && !v86()) {
            if ((a & 0x10000) != 0 || (a & 0x80) == 0) {
                throw raise(vec, 0);
            }
            boolean code = (a & 8) != 0;
            if (write && (code || (a & 2) == 0)) {
                throw raise(vec, 0);
            }
            if (!write && code && (a & 2) == 0) {
                throw raise(vec, 0);
            }
            if (!code && (a & 4) != 0) {
                int upper = (a & 0x4000) != 0 ? -1 : 0xFFFF;
                long o = off & 0xFFFFFFFFL;
                if (o <= (segLimit[s] & 0xFFFFFFFFL) || o + n - 1 > (upper & 0xFFFFFFFFL)) {
                    throw raise(vec, 0);
                }
                return segBase[s] + off;
            }
        }
        long end = (off & 0xFFFFFFFFL) + n - 1;
        if (end > (segLimit[s] & 0xFFFFFFFFL)) {
            throw raise(vec, 0);
        }
        return segBase[s] + off;
    }

    final int rd8(int s, int off) {
        int lin = linR(s, off, 1);
        int v = lread8(lin, tlbSet);
        if (locked) noteLockedRead(lin, v);
        return v;
    }

    final int rd16(int s, int off) {
        int lin = linR(s, off, 2);
        int v = lread16(lin, tlbSet);
        if (locked) noteLockedRead(lin, v);
        return v;
    }

    final int rd32(int s, int off) {
        int lin = linR(s, off, 4);
        int v = lread32(lin, tlbSet);
        if (locked) noteLockedRead(lin, v);
        return v;
    }

    final void wr8(int s, int off, int v) {
        int lin = linW(s, off, 1);
        if (locked && lockedWrite(lin, v, 1)) return;
        lwrite8(lin, v, tlbSet);
    }

    final void wr16(int s, int off, int v) {
        int lin = linW(s, off, 2);
        if (locked && lockedWrite(lin, v, 2)) return;
        lwrite16(lin, v, tlbSet);
    }

    final void wr32(int s, int off, int v) {
        int lin = linW(s, off, 4);
        if (locked && lockedWrite(lin, v, 4)) return;
        lwrite32(lin, v, tlbSet);
    }

    // ---- LOCK: the read-modify-write of a locked instruction ends in a compare-and-set ----

    /** Set while a LOCK-prefixed instruction (or XCHG with memory) executes. */
    boolean locked;
    private boolean lockHaveRead;
    private int lockLin, lockVal;
    final LockRetry lockRetry = new LockRetry();

    /** Thrown when another CPU changed the locked operand between our read and write: re-execute. */
    static final class LockRetry extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LockRetry() {
            super("lock retry", null, false, false);
        }
    }

    final void beginLocked() {
        locked = true;
        lockHaveRead = false;
    }

    private void noteLockedRead(int lin, int v) {
        if (!lockHaveRead) {
            lockHaveRead = true;
            lockLin = lin;
            lockVal = v;
        }
    }

    /**
     * Writes {@code v} to the locked operand with a CAS against the value read; true if done
     * (false: not the locked operand, not RAM, or crossing an aligned dword: caller writes plainly).
     */
    private boolean lockedWrite(int lin, int v, int n) {
        if (!lockHaveRead || lockLin != lin) {
            return false;
        }
        int i = translate(lin, ACC_WRITE, tlbSet);
        if (!tlbHit(tagW[i], lin, 1)) { // (a dword crossing is refused below)
            return false;
        }
        int off = lin & 0xFFF;
        if ((off & 3) + n > 4) {
            return false;
        }
        long dword = tAddr[i] + (off & ~3); // the page is 4 KiB aligned: so is this dword
        int shift = (off & 3) * 8;
        int mask = n == 4 ? -1 : ((1 << (8 * n)) - 1) << shift;
        int expect = (lockVal << shift) & mask, repl = (v << shift) & mask;
        for (;;) {
            int cur = RawMemory.getIntVolatile(dword);
            if ((cur & mask) != expect) {
                throw lockRetry;
            }
            if (RawMemory.compareAndSetInt(dword, cur, (cur & ~mask) | repl)) {
                lockHaveRead = false;
                return true;
            }
        }
    }

    final int rdSz(int s, int off, int sz) {
        switch (sz) {
            case 0: return rd8(s, off);
            case 1: return rd16(s, off);
            default: return rd32(s, off);
        }
    }

    final void wrSz(int s, int off, int sz, int v) {
        switch (sz) {
            case 0: wr8(s, off, v); break;
            case 1: wr16(s, off, v); break;
            default: wr32(s, off, v);
        }
    }

    /**
     * Supervisor-implicit access to system structures (GDT, IDT, LDT, TSS) by linear address;
     * such accesses do not hit data breakpoints ({@code sysAccess}).
     */
    final int sysRead32(int lin) {
        sysAccess = true;
        try {
            return lread32(lin, 0);
        } finally {
            sysAccess = false;
        }
    }

    final int sysRead16(int lin) {
        sysAccess = true;
        try {
            return lread16(lin, 0);
        } finally {
            sysAccess = false;
        }
    }

    final void sysWrite32(int lin, int v) {
        sysAccess = true;
        try {
            lwrite32(lin, v, 0);
        } finally {
            sysAccess = false;
        }
    }

    final void sysWrite16(int lin, int v) {
        sysAccess = true;
        try {
            lwrite16(lin, v, 0);
        } finally {
            sysAccess = false;
        }
    }

    // ---- instruction fetch ----

    final int fetch8() {
        int e = eip;
        if (Integer.compareUnsigned(e - fetchEipBase, fetchLimit) < 0) {
            eip = code32 ? e + 1 : (e + 1) & 0xFFFF;
            return RawMemory.getByte(fetchPage + (e - fetchEipBase)) & 0xFF;
        }
        return fetch8Slow();
    }

    private int fetch8Slow() {
        int lin = segBase[CS] + eip;
        int i = fetchTranslate(lin);
        int v = fetchWindow(i, lin) ? RawMemory.getByte(fetchPage + (eip - fetchEipBase)) & 0xFF
                : mem.read8(tPhys[i] | (lin & 0xFFF));
        eip = code32 ? eip + 1 : (eip + 1) & 0xFFFF;
        return v;
    }

    /**
     * Points the fetch window at EIP's page without fetching: the CS limit check and the
     * execute translation the fetch of EIP's first byte makes (so the same #GP or #PF, with
     * {@code startEip} the caller's to set); false if that page is not RAM the window can cover
     * (the interpreter's fetch then reads it byte by byte).
     */
    final boolean fetchWindowAtEip() {
        int lin = segBase[CS] + eip;
        return fetchWindow(fetchTranslate(lin), lin);
    }

    private int fetchTranslate(int lin) {
        checkEip(eip);
        return translate(lin, ACC_EXEC, tlbSet);
    }

    /** Sets the fetch window over TLB entry {@code i} (EIP's, at linear {@code lin}) if it is RAM inside the CS limit. */
    private boolean fetchWindow(int i, int lin) {
        int page = lin & 0xFFFFF000;
        long pageEndOff = (eip & 0xFFFFFFFFL) + (0xFFF - (lin & 0xFFF));
        if (tAddr[i] == 0 || tagX[i] != page || pageEndOff > (segLimit[CS] & 0xFFFFFFFFL)
                || (eip & 0xFFFFFFFFL) < (lin & 0xFFF)) {
            return false;
        }
        fetchPage = tAddr[i];
        fetchEipBase = eip - (lin & 0xFFF);
        fetchLimit = 0x1000;
        fetchFrame = tPhys[i] >>> 12;
        fetchCode = null;
        return true;
    }

    final int fetch16() {
        return fetch8() | fetch8() << 8;
    }

    final int fetch32() {
        int e = eip;
        int k = e - fetchEipBase;
        if (k >= 0 && k + 3 < fetchLimit) {
            eip = e + 4;
            return RawMemory.getInt(fetchPage + k);
        }
        return fetch16() | fetch16() << 16;
    }

    final int fetchSz(int sz) {
        switch (sz) {
            case 0: return fetch8();
            case 1: return fetch16();
            default: return fetch32();
        }
    }
}
