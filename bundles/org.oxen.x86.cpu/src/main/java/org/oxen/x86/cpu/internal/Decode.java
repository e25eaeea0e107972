package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.host.RawMemory;

/**
 * ModR/M and SIB decoding, operand access, string instructions, port I/O, multiply/divide and
 * BCD adjustment: the helpers the opcode handlers are written in.
 */
abstract class Decode extends Task {

    /** Exit signalled from inside an instruction (the Fault with faultVector == EXIT). */
    static final int EXIT = -1;
    static final int X_SOFTINT = 1, X_TRAP = 2, X_HLT = 3, X_IO = 4, X_CR = 5, X_MSR = 6, X_VMCALL = 7;
    /** Exception vectors (bit n) that exit instead of going through the IDT. */
    int exceptionExitMask;
    int exitReason, exitNextEip, exitPort, exitSize, exitValue, exitIndex;
    boolean exitWrite;
    /** The IO exit is one element of INS/OUTS (with its address size and REP). */
    boolean exitString, exitStrA32, exitStrRep;
    long exitValue64;
    /** Set when the #GP being raised comes from a privileged instruction at CPL > 0. */
    boolean privFault;

    /** Ports whose IN/OUT/INS/OUTS leave the emulator (null: none). */
    boolean[] ioExit;
    int crExitMask;
    boolean msrExit, hltExit;
    /** VMCALL/VMMCALL exit (else #UD). */
    boolean vmcallExit;


    Decode(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    final Fault exit(int reason) {
        exitReason = reason;
        exitNextEip = eip;
        faultVector = EXIT;
        return fault;
    }

    final Fault privileged() {
        privFault = true;
        return gp(0);
    }

    final void needCpl0() {
        if (cpl != 0 || v86()) {
            throw privileged();
        }
    }

    // ---- ModR/M ----

    /** Decodes the memory operand of {@code modrm} (mod != 3); returns the offset, sets eaSeg. */
    final int ea(int modrm) {
        return addr32 ? ea32(modrm) : ea16(modrm);
    }

    /**
     * 32-bit addressing; kept small so that the JIT inlines it into the handlers. The operand's
     * address form, base and segment are {@link Forms}' reading of ModR/M and SIB, its offset
     * {@link Semantics#effectiveAddress}, as a decoded record's.
     */
    private int ea32(int modrm) {
        int mod = modrm >>> 6, rm = modrm & 7;
        int sib = rm == 4 ? fetch8() : 0;
        int form = Forms.addressForm32(mod, rm, sib), base = Forms.baseRegister32(rm, sib);
        int disp = Forms.hasBase(form) ? 0 : fetch32();
        if (mod == 1) {
            disp += (byte) fetch8();
        } else if (mod == 2) {
            disp += fetch32();
        }
        eaSeg = segOvr >= 0 ? segOvr : Forms.defaultSegment32(form, base);
        return Semantics.effectiveAddress(Forms.hasBase(form) ? r[base] : 0, Forms.hasIndex(form) ? r[(sib >>> 3) & 7] : 0,
                sib >>> 6, disp);
    }

    private int ea16(int modrm) {
        int mod = modrm >>> 6, rm = modrm & 7;
        int seg = DS;
        int off;
        switch (rm) {
            case 0: off = r[3] + r[6]; break;
            case 1: off = r[3] + r[7]; break;
            case 2: off = r[5] + r[6]; seg = SS; break;
            case 3: off = r[5] + r[7]; seg = SS; break;
            case 4: off = r[6]; break;
            case 5: off = r[7]; break;
            case 6:
                if (mod == 0) {
                    off = fetch16();
                } else {
                    off = r[5];
                    seg = SS;
                }
                break;
            default: off = r[3]; break;
        }
        if (mod == 1) {
            off += (byte) fetch8();
        } else if (mod == 2) {
            off += fetch16();
        }
        eaSeg = segOvr >= 0 ? segOvr : seg;
        return off & 0xFFFF;
    }

    final int dataSeg() {
        return segOvr >= 0 ? segOvr : DS;
    }

    final int osz() {
        return op32 ? 2 : 1;
    }

    // ---- port I/O ----

    /** Checks IOPL / the TSS I/O permission bitmap for an access of {@code n} bytes. */
    final void ioCheck(int port, int n) {
        if (pm() && (cpl > iopl() || v86())) {
            if ((trAttr & 0xF) != 0xB && (trAttr & 0xF) != 9 || trLimit < 0x67) {
                throw gp(0);
            }
            int mapBase = sysRead16(trBase + 0x66);
            int byteOff = mapBase + (port >>> 3);
            if (byteOff + 1 > trLimit) {
                throw gp(0);
            }
            int bits = sysRead16(trBase + byteOff);
            if (((bits >>> (port & 7)) & ((1 << n) - 1)) != 0) {
                throw gp(0);
            }
        }
    }

    /** IN: checks the port's permission, exits when the port is enabled, else reads the bus. */
    final int ioIn(int port, int sz) {
        port &= 0xFFFF;
        ioCheck(port, 1 << sz);
        if (ioExit != null && ioExit[port]) {
            exitPort = port;
            exitSize = 1 << sz;
            exitWrite = false;
            exitString = false;
            throw exit(X_IO);
        }
        if (ioBps != 0) ioBreak(port, 1 << sz);
        return busIn(port, sz);
    }

    final int busIn(int port, int sz) {
        switch (sz) {
            case 0: return io.read8(port) & 0xFF;
            case 1: return io.read16(port) & 0xFFFF;
            default: return io.read32(port);
        }
    }

    /** OUT: checks the port's permission, exits when the port is enabled, else writes the bus. */
    final void ioOut(int port, int sz, int v) {
        port &= 0xFFFF;
        ioCheck(port, 1 << sz);
        if (ioExit != null && ioExit[port]) {
            exitPort = port;
            exitSize = 1 << sz;
            exitWrite = true;
            exitValue = v & MASK[sz];
            exitString = false;
            throw exit(X_IO);
        }
        if (ioBps != 0) ioBreak(port, 1 << sz);
        busOut(port, sz, v);
    }

    final void busOut(int port, int sz, int v) {
        switch (sz) {
            case 0: io.write8(port, v & 0xFF); break;
            case 1: io.write16(port, v & 0xFFFF); break;
            default: io.write32(port, v);
        }
    }

    // ---- string instructions ----

    final int cnt() {
        return addr32 ? r[1] : r[1] & 0xFFFF;
    }

    final void setCnt(int v) {
        if (addr32) r[1] = v; else r[1] = (r[1] & 0xFFFF0000) | (v & 0xFFFF);
    }

    final int idx(int reg) {
        return addr32 ? r[reg] : r[reg] & 0xFFFF;
    }

    final void advance(int reg, int n) {
        int d = (eflags & DF) != 0 ? -n : n;
        if (addr32) r[reg] += d; else r[reg] = (r[reg] & 0xFFFF0000) | ((r[reg] + d) & 0xFFFF);
    }

    /** op: 0 MOVS 1 CMPS 2 STOS 3 LODS 4 SCAS 5 INS 6 OUTS. */
    final void string(int op, int sz) {
        int n = 1 << sz;
        int src = dataSeg();
        if (rep == 0) {
            stringOnce(op, sz, n, src);
            return;
        }
        if (debugActive || (eflags & TF) != 0) {
            repStepped(op, sz, n, src);
            return;
        }
        if (op == 2 && (eflags & DF) == 0 && addr32 && segFlatW[ES]) {
            repStosFlat(sz, n);
            return;
        }
        if (op == 0 && (eflags & DF) == 0 && addr32 && segFlatR[src] && segFlatW[ES]) {
            repMovsFlat(sz, n, src);
            return;
        }
        while (cnt() != 0) {
            stringOnce(op, sz, n, src);
            setCnt(cnt() - 1);
            if ((op == 1 || op == 4) && zfSet() != (rep == 0xF3)) {
                break;
            }
        }
    }

    /**
     * REP STOS with DF clear, 32-bit addressing and ES a flat writable segment (no limit to
     * check), a page at a time: while the TLB holds a write tag for the page at EDI, the
     * elements that fit in that page are stored by one fill of its host page; otherwise one
     * element goes through the write path, which walks and fills the TLB, raises #PF with ECX and
     * EDI at that element, or writes MMIO, a tracked code frame or a log-dirty frame (those never
     * get a write tag, so every element of them takes this path). Equal, element by element, to
     * the general loop: a guest zeroing its BSS (x86bench's 172 KiB) no longer costs a call per
     * byte.
     */
    private void repStosFlat(int sz, int n) {
        int v = r[0];
        while (r[1] != 0) {
            int lin = segBase[ES] + r[7];
            int i = tlbEntry(tlbSet, lin);
            if (tlbHit(tagW[i], lin, n)) {
                int off = lin & ~PAGE_FRAME;
                long count = Math.min((0x1000 - off) >>> sz, r[1] & 0xFFFFFFFFL);
                int bytes = (int) count << sz;
                fillRepeated(tAddr[i] + off, bytes, sz, v);
                r[7] += bytes;
                r[1] -= (int) count;
            } else {
                wrSz(ES, r[7], sz, v);
                r[7] += n;
                r[1]--;
            }
        }
    }

    /**
     * REP MOVS with DF clear, 32-bit addressing, a flat readable source and a flat writable ES,
     * a span at a time: while the TLB holds a read tag for the page at ESI and a write tag for
     * the page at EDI, the elements that fit in both pages are one copy between their host pages,
     * unless the two host spans overlap (then the elements go one at a time, as the loop would:
     * a forward copy onto itself repeats its pattern). Everything else (a miss, MMIO, a tracked
     * or log-dirty frame, an element crossing a page) goes through the read and write paths one
     * element at a time, as {@link #repStosFlat} does.
     */
    private void repMovsFlat(int sz, int n, int src) {
        while (r[1] != 0) {
            int from = segBase[src] + r[6];
            int to = segBase[ES] + r[7];
            int i = tlbEntry(tlbSet, from);
            int j = tlbEntry(tlbSet, to);
            if (tlbHit(tagR[i], from, n) && tlbHit(tagW[j], to, n)) {
                int fromOff = from & ~PAGE_FRAME;
                int toOff = to & ~PAGE_FRAME;
                long count = Math.min(Math.min(0x1000 - fromOff, 0x1000 - toOff) >>> sz, r[1] & 0xFFFFFFFFL);
                int bytes = (int) count << sz;
                long source = tAddr[i] + fromOff;
                long target = tAddr[j] + toOff;
                if (Math.abs(target - source) >= bytes) {
                    RawMemory.copy(source, target, bytes);
                    r[6] += bytes;
                    r[7] += bytes;
                    r[1] -= (int) count;
                    continue;
                }
            }
            wrSz(ES, r[7], sz, rdSz(src, r[6], sz));
            r[6] += n;
            r[7] += n;
            r[1]--;
        }
    }

    /** Stores {@code bytes} bytes at a host address: the low {@code 1 << sz} bytes of v, repeated. */
    private static void fillRepeated(long address, int bytes, int sz, int v) {
        int pattern = sz == 0 ? (v & 0xFF) * 0x01010101 : sz == 1 ? (v & 0xFFFF) * 0x00010001 : v;
        if (pattern == (pattern & 0xFF) * 0x01010101) {
            RawMemory.fill(address, bytes, (byte) pattern);
            return;
        }
        int k = 0;
        for (; k + 4 <= bytes; k += 4) {
            RawMemory.putInt(address + k, pattern);
        }
        if (k < bytes) { // a word store's last element when the span is 2 mod 4
            RawMemory.putShort(address + k, (short) pattern);
        }
    }

    /**
     * REP under TF or breakpoints: a single-step or data-breakpoint trap comes after the
     * iteration, not after the instruction (SDM Vol. 3, 18.3.1.2, 18.3.1.4). After any iteration
     * but the last that has one, the instruction ends with EIP at itself (the REP resumes on
     * return) and RF set, so that the #DB pushes RF=1 (18.3.1.1).
     */
    private void repStepped(int op, int sz, int n, int src) {
        while (cnt() != 0) {
            stringOnce(op, sz, n, src);
            setCnt(cnt() - 1);
            if (cnt() == 0 || ((op == 1 || op == 4) && zfSet() != (rep == 0xF3))) {
                return;
            }
            if ((eflags & TF) != 0 || trapHits() != 0) {
                eip = startEip;
                eflags |= RF;
                return;
            }
        }
    }

    private void stringOnce(int op, int sz, int n, int src) {
        switch (op) {
            case 0: {
                int v = rdSz(src, idx(6), sz);
                wrSz(ES, idx(7), sz, v);
                advance(6, n);
                advance(7, n);
                break;
            }
            case 1: {
                int a = rdSz(src, idx(6), sz);
                int b = rdSz(ES, idx(7), sz);
                alu(7, a, b, sz);
                advance(6, n);
                advance(7, n);
                break;
            }
            case 2:
                wrSz(ES, idx(7), sz, r[0]);
                advance(7, n);
                break;
            case 3:
                setRegSz(0, sz, rdSz(src, idx(6), sz));
                advance(6, n);
                break;
            case 4:
                alu(7, regSz(0, sz), rdSz(ES, idx(7), sz), sz);
                advance(7, n);
                break;
            case 5: {
                int port = r[2] & 0xFFFF;
                ioCheck(port, n);
                int lin = linW(ES, idx(7), n);
                if (ioExit != null && ioExit[port]) {
                    probeWrite(lin, n); // the store after the exit cannot fault (unless the owner remaps)
                    memCheck(lin, n, tlbSet, true); // nor raise #AC
                    throw stringIoExit(port, sz, false, 0);
                }
                if (ioBps != 0) ioBreak(port, n);
                wrSz(ES, idx(7), sz, busIn(port, sz));
                advance(7, n);
                break;
            }
            default: {
                int port = r[2] & 0xFFFF;
                ioCheck(port, n);
                int v = rdSz(src, idx(6), sz);
                if (ioExit != null && ioExit[port]) {
                    throw stringIoExit(port, sz, true, v);
                }
                if (ioBps != 0) ioBreak(port, n);
                busOut(port, sz, v);
                advance(6, n);
                break;
            }
        }
    }

    /** The exit of one INS/OUTS element; registers stand before that element. */
    private Fault stringIoExit(int port, int sz, boolean write, int v) {
        exitPort = port;
        exitSize = 1 << sz;
        exitWrite = write;
        exitValue = v & MASK[sz];
        exitString = true;
        exitStrA32 = addr32;
        exitStrRep = rep != 0;
        return exit(X_IO);
    }

    /**
     * Finishes the INS/OUTS element of the last IO exit: INS stores {@code value} (or, from the
     * bus, the port's value) at ES:(E)DI, OUTS writes the exit's value to the bus if asked; then
     * (E)DI/(E)SI advance and, for REP, (E)CX counts down. EIP: the instruction again while REP
     * has elements left ({@code insnEip}), else {@code nextEip}.
     */
    final void finishStringIo(int value, boolean bus, int insnEip, int nextEip) {
        boolean a32 = addr32;
        addr32 = exitStrA32;
        try {
            int sz = exitSize == 1 ? 0 : exitSize == 2 ? 1 : 2;
            if (exitWrite) {
                if (bus) busOut(exitPort, sz, exitValue);
                advance(6, exitSize);
            } else {
                wrSz(ES, idx(7), sz, bus ? busIn(exitPort, sz) : value);
                advance(7, exitSize);
            }
            if (exitStrRep) {
                setCnt(cnt() - 1);
                eip = cnt() != 0 ? insnEip : nextEip;
            } else {
                eip = nextEip;
            }
        } finally {
            addr32 = a32;
        }
    }

    // ---- group 3 ----

    /**
     * NOT NEG MUL IMUL DIV IDIV ({@code op} 2..7, the ModR/M reg field) of a register ({@code s}
     * &lt; 0: register {@code reg}) or memory operand ({@code s}:{@code off}), size {@code sz}.
     */
    final void notNegMulDiv(int op, int sz, int s, int off, int reg) {
        int v = s < 0 ? regSz(reg, sz) : rdSz(s, off, sz);
        int res;
        switch (op) {
            case 2: res = Semantics.not(v, sz); break;
            case 3: res = neg(v, sz); break;
            case 4: mul(v, sz, false); return;
            case 5: mul(v, sz, true); return;
            case 6: div(v, sz, false); return;
            default: div(v, sz, true); return;
        }
        if (s < 0) setRegSz(reg, sz, res); else wrSz(s, off, sz, res);
    }

    // ---- multiply / divide ----

    /**
     * One-operand MUL/IMUL: AL, AX or EAX times {@code v} into AX, DX:AX or EDX:EAX;
     * {@link Semantics#product} and its CF = OF rule {@link Semantics#mulOverflows}.
     */
    final void mul(int v, int sz, boolean signed) {
        long p = Semantics.product(r[0], v, sz, signed);
        int lo = (int) p;
        if (sz == 0) {
            setReg16(0, lo);
        } else if (sz == 1) {
            setReg16(0, lo);
            setReg16(2, lo >>> 16);
        } else {
            r[0] = lo;
            r[2] = (int) (p >>> 32);
        }
        boolean c = Semantics.mulOverflows(p, sz, signed);
        szp(sz, lo, c, c);
    }

    /** IMUL with two or three operands (word or dword): {@link Semantics#imul} and its flags. */
    final int imul2(int a, int b, int sz) {
        int res = Semantics.imul(a, b, sz);
        szp(sz, res, Semantics.imulFlags(a, b, sz));
        return res;
    }

    final void div(int v, int sz, boolean signed) {
        switch (sz) {
            case 0: {
                int a = r[0] & 0xFFFF;
                if ((v & 0xFF) == 0) throw raise(DE);
                int q, rm;
                if (signed) {
                    int d = (byte) v;
                    q = (short) a / d;
                    rm = (short) a % d;
                    if (q != (byte) q) throw raise(DE);
                } else {
                    q = a / (v & 0xFF);
                    rm = a % (v & 0xFF);
                    if (q > 0xFF) throw raise(DE);
                }
                setReg16(0, (q & 0xFF) | (rm & 0xFF) << 8);
                break;
            }
            case 1: {
                int a = (r[2] & 0xFFFF) << 16 | (r[0] & 0xFFFF);
                if ((v & 0xFFFF) == 0) throw raise(DE);
                long q, rm;
                if (signed) {
                    int d = (short) v;
                    q = (long) a / d;
                    rm = (long) a % d;
                    if (q != (short) q) throw raise(DE);
                } else {
                    long ua = a & 0xFFFFFFFFL;
                    q = ua / (v & 0xFFFF);
                    rm = ua % (v & 0xFFFF);
                    if (q > 0xFFFF) throw raise(DE);
                }
                setReg16(0, (int) q);
                setReg16(2, (int) rm);
                break;
            }
            default: {
                if (!signed) {
                    if (Semantics.divideFaults32(r[2], v)) throw raise(DE);
                    long qr = Semantics.divide32(r[2], r[0], v);
                    r[0] = (int) qr;
                    r[2] = (int) (qr >>> 32);
                    break;
                }
                long a = (long) r[2] << 32 | (r[0] & 0xFFFFFFFFL);
                if (v == 0 || a == Long.MIN_VALUE && v == -1) throw raise(DE);
                long q = a / v, rm = a % v;
                if (q != (int) q) throw raise(DE);
                r[0] = (int) q;
                r[2] = (int) rm;
            }
        }
    }

    // ---- BCD ----

    final void daa() {
        int f = flags();
        int al = r[0] & 0xFF, oldAl = al;
        boolean oldCf = (f & CF) != 0, cf = false, af = false;
        if ((al & 0xF) > 9 || (f & AF) != 0) {
            al = (al + 6) & 0xFF;
            cf = oldCf || oldAl > 0xF9;
            af = true;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al + 0x60) & 0xFF;
            cf = true;
        }
        setReg8(0, al);
        szp(0, al, cf, false);
        lcf |= af ? 4 : 0;
    }

    final void das() {
        int f = flags();
        int al = r[0] & 0xFF, oldAl = al;
        boolean oldCf = (f & CF) != 0, cf = false, af = false;
        if ((al & 0xF) > 9 || (f & AF) != 0) {
            al = (al - 6) & 0xFF;
            cf = oldCf || oldAl < 6;
            af = true;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al - 0x60) & 0xFF;
            cf = true;
        }
        setReg8(0, al);
        szp(0, al, cf, false);
        lcf |= af ? 4 : 0;
    }

    final void aaa(boolean sub) {
        int f = flags();
        int ax = r[0] & 0xFFFF;
        boolean adj = (ax & 0xF) > 9 || (f & AF) != 0;
        if (adj) {
            if (sub) {
                ax = (ax - 6 - 0x100) & 0xFFFF; // AX -= 6 (borrow into AH), then AH -= 1
            } else {
                ax = (ax + 0x106) & 0xFFFF;
            }
        }
        ax &= 0xFF0F;
        setReg16(0, ax);
        szp(0, ax & 0xFF, adj, false);
        lcf |= adj ? 4 : 0;
    }

    final void aam(int base) {
        if (base == 0) throw raise(DE);
        int al = r[0] & 0xFF;
        int v = (al / base) << 8 | (al % base);
        setReg16(0, v);
        szp(0, v & 0xFF, false, false);
    }

    final void aad(int base) {
        int ax = r[0] & 0xFFFF;
        int al = ((ax & 0xFF) + (ax >>> 8) * base) & 0xFF;
        alu(0, ax & 0xFF, ((ax >>> 8) * base) & 0xFF, 0);
        setReg16(0, al);
    }
}
