package org.oxen.x86.cpu.internal.x64;

import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.CTX;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.HOST;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.MI;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.MR;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.RI;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.RM;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.RR;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.T1;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.T2;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.ADDR;
import static org.oxen.x86.cpu.internal.x64.X64Assembler.*;

import org.oxen.x86.cpu.internal.RegionRecords;
import org.oxen.x86.cpu.internal.RegionRecords.Insn;

/**
 * The native subset's sized and read-modify-write forms, beside {@link NativeRegionCompiler}'s
 * 32-bit ones (whose entry, exit, flag and soft-TLB protocol they use): MOV of bytes and words
 * (register, memory, immediate), byte and word shifts and rotates (by 1, an immediate or CL;
 * register or memory) and 32-bit ones of memory, INC/DEC of byte registers and of memory,
 * NOT/NEG of bytes and of memory, MUL/IMUL of a byte (register or memory: AX = AL times it),
 * IDIV of a 32-bit register, MUL/IMUL/DIV/IDIV of a 32-bit memory operand (read into R11, then as the register form), SETcc to memory, CMOVcc from
 * memory, and every byte form naming AH, CH, DH or BH.
 *
 * <p><b>AH..BH.</b> The guest's EAX and ECX live in R14 and R8, whose bits 8-15 no x86-64
 * encoding names, and the host's AH..BH cannot share an instruction with a REX prefix. A high
 * byte register is therefore used in memory: its host register is stored to its slot in the
 * context ({@link NativeContext#REGISTERS}, little-endian, so AH is the slot's byte 1) and the
 * instruction operates on that byte ({@code [r12 + 4*g + 1]}); a written one is loaded back.
 * Stores and loads do not touch RFLAGS, so the instruction's own flags are the host's as for
 * every other form; when both operands would be memory the source byte goes through R11 first.
 * The slots hold nothing between instructions (the exit stores every register there anyway).
 *
 * <p><b>IDIV.</b> The guest's #DE (divisor 0, quotient outside 32 bits) is the interpreter's:
 * the dividend EDX:EAX as a 64-bit value, divided by the sign-extended divisor with the host's
 * 64-bit IDIV (which cannot fault once the divisor is not 0 and the dividend not -2^63, a
 * dividend whose 32-bit IDIV always faults), and the quotient checked to fit 32 bits before any
 * guest register changes; otherwise {@code EXIT_SLOW} with nothing done.
 *
 * <p>Emits into its compiler's assembler; one per compilation, not thread-safe.
 */
final class NativeSizedForms {

    private final NativeRegionCompiler c;
    private final X64Assembler a;

    NativeSizedForms(NativeRegionCompiler c) {
        this.c = c;
        this.a = c.a;
    }

    /** The record kinds this class compiles whole (the byte forms of the compiler's kinds with AH..BH are its too). */
    static boolean supported(Insn i) {
        switch (i.kind) {
            case RegionRecords.K_MOV_RR: case RegionRecords.K_MOV_RM: case RegionRecords.K_MOV_MR:
            case RegionRecords.K_MOV_RI: case RegionRecords.K_MOV_MI: case RegionRecords.K_SHIFT_R:
            case RegionRecords.K_SHIFT_M: case RegionRecords.K_INCDEC_R: case RegionRecords.K_INCDEC_M:
            case RegionRecords.K_SETCC_M: case RegionRecords.K_CMOV_M:
                return true;
            case RegionRecords.K_GRP3_R: // NOT NEG MUL IMUL DIV IDIV of a dword; NOT NEG MUL IMUL of a byte
                return i.size == 2 && i.operation >= NOT || i.size == 0 && i.operation >= NOT && i.operation <= IMUL1;
            case RegionRecords.K_GRP3_M: // NOT NEG of a byte or dword, MUL IMUL of a byte, MUL IMUL DIV IDIV of a dword
                return i.operation == NOT || i.operation == NEG || i.size == 2 && i.operation >= MUL
                        || i.size == 0 && (i.operation == MUL || i.operation == IMUL1);
            default:
                return false;
        }
    }

    private static int width(int size) {
        return 8 << size; // 0 byte, 1 word, 2 dword
    }

    // ---- byte registers ----

    /** The context byte of high byte register {@code g} (4-7: AH CH DH BH), its host register stored there first. */
    private Mem spill(int g) {
        int slot = NativeContext.REGISTERS + 4 * (g & 3);
        a.store(32, mem(CTX, slot), HOST[g & 3]);
        return mem(CTX, slot + 1);
    }

    /** Loads high byte register {@code g}'s host register back from its slot (after the byte there changed). */
    private void reload(int g) {
        a.load(32, HOST[g & 3], mem(CTX, NativeContext.REGISTERS + 4 * (g & 3)));
    }

    /** A host byte register holding guest byte register {@code g}: its own (AL..BL), or R11 loaded with AH..BH. */
    private int readByte(int g) {
        if (g < 4) return HOST[g];
        a.load(8, T1, spill(g));
        return T1;
    }

    /** Guest byte register {@code g} = host byte register {@code src} (no flag changes). */
    private void writeByte(int g, int src) {
        if (g < 4) {
            a.mov(8, HOST[g], src);
        } else {
            a.store(8, spill(g), src);
            reload(g);
        }
    }

    /**
     * A group-1 byte operation ({@code op}; {@code stores} false: CMP, or TEST as an AND that does
     * not store) in operand shape {@code shape} with AH..BH among its register operands.
     */
    boolean byteAlu(Insn i, int shape, int op, boolean stores) {
        boolean test = !stores && op == AND;
        int hostOp = stores ? op : CMP;
        Mem m = null;
        if (shape >= RM) {
            c.address(i);
            m = c.probe(i, 1, shape != RM && stores);
        }
        boolean aHigh = shape <= RM && i.regA >= 4, bHigh = (shape == RR || shape == MR) && i.regB >= 4;
        int src = HOST[i.regB];
        Mem dst = null;
        switch (shape) {
            case RR:
                if (bHigh) src = readByte(i.regB);
                if (aHigh) dst = spill(i.regA);
                break;
            case RM:
                a.load(8, T1, m);
                src = T1;
                dst = spill(i.regA); // the destination is high (else the compiler's own form)
                break;
            case MR:
                src = readByte(i.regB);
                dst = m;
                break;
            default: // RI: a high destination
                dst = spill(i.regA);
                break;
        }
        c.flagWriter(i);
        boolean logicAf = c.undefinedFlags.logicAf(i, hostOp, test);
        if (logicAf && c.afClearedAtNextSave()) {
            logicAf = false;
            c.afDirtyUntilSave();
        }
        if (test && logicAf) { // the AND into R11 (where a high source already is), whose ADD 0 sets the flags
            if (shape == RI) {
                a.load(8, T1, dst);
                a.aluImm(AND, 8, T1, i.imm);
            } else if (dst == null) {
                a.alu(AND, 8, T1, HOST[i.regA]);
            } else if (src == T1) {
                a.alu(AND, 8, T1, dst);
            } else {
                a.load(8, T1, dst);
                a.alu(AND, 8, T1, src);
            }
            c.undefinedFlags.logicFlags(8, T1);
            return false;
        }
        if (shape == RI) {
            if (test) a.testImm(8, dst, i.imm);
            else a.aluImm(hostOp, 8, dst, i.imm);
        } else if (dst != null) {
            if (test) a.test(8, dst, src);
            else a.alu(hostOp, 8, dst, src);
        } else { // a low destination, a high source: in R11
            if (test) a.test(8, HOST[i.regA], src);
            else a.alu(hostOp, 8, HOST[i.regA], src);
        }
        if (logicAf) { // AND, OR, XOR: AF 0 as the interpreter's
            if (dst != null) c.undefinedFlags.logicFlags(8, dst);
            else c.undefinedFlags.logicFlags(8, HOST[i.regA]);
        }
        if (aHigh && stores) reload(i.regA);
        return false;
    }

    // ---- the kinds ----

    /** Emits {@code i} (never a control transfer: false). */
    boolean instruction(Insn i) {
        int w = width(i.size), bytes = w / 8;
        switch (i.kind) {
            case RegionRecords.K_MOV_RR:
                if (i.size == 0) writeByte(i.regA, readByte(i.regB));
                else a.mov(w, HOST[i.regA], HOST[i.regB]);
                return false;
            case RegionRecords.K_MOV_RI:
                if (i.size == 0 && i.regA >= 4) {
                    a.storeImm(8, spill(i.regA), i.imm);
                    reload(i.regA);
                } else {
                    a.movImm(w, HOST[i.regA], i.imm);
                }
                return false;
            case RegionRecords.K_MOV_RM: {
                c.address(i);
                Mem m = c.probe(i, bytes, false);
                if (i.size == 0 && i.regA >= 4) {
                    a.load(8, T1, m);
                    writeByte(i.regA, T1);
                } else {
                    a.load(w, HOST[i.regA], m); // a byte or word load keeps the register's other bits, as the guest's
                }
                return false;
            }
            case RegionRecords.K_MOV_MR: case RegionRecords.K_MOV8_MR: {
                c.address(i);
                Mem m = c.probe(i, bytes, true);
                a.store(w, m, i.size == 0 ? readByte(i.regB) : HOST[i.regB]);
                return false;
            }
            case RegionRecords.K_MOV_MI: {
                c.address(i);
                a.storeImm(w, c.probe(i, bytes, true), i.imm);
                return false;
            }
            case RegionRecords.K_MOVX_R: { // from AH..BH (the compiler's own form takes the rest)
                int src = readByte(i.regB);
                if (i.variant) a.movsx(32, HOST[i.regA], 8, src);
                else a.movzx(32, HOST[i.regA], 8, src);
                return false;
            }
            case RegionRecords.K_SETCC_R: // to AH..BH
                c.restoreFlags();
                a.setcc(i.operation, T1);
                writeByte(i.regA, T1);
                return false;
            case RegionRecords.K_SETCC_M: {
                c.address(i);
                Mem m = c.probe(i, 1, true);
                c.restoreFlags();
                a.setcc(i.operation, m);
                return false;
            }
            case RegionRecords.K_CMOV_M: { // the memory operand is read whatever the condition (SDM, CMOVcc)
                c.address(i);
                Mem m = c.probe(i, 4, false);
                c.restoreFlags();
                a.cmov(i.operation, 32, HOST[i.regA], m);
                return false;
            }
            case RegionRecords.K_SHIFT_R:
                if (i.size == 0 && i.regA >= 4) {
                    c.undefinedFlags.shift(i, w, spill(i.regA), 0);
                    reload(i.regA);
                } else {
                    c.undefinedFlags.shift(i, w, null, HOST[i.regA]);
                }
                return false;
            case RegionRecords.K_SHIFT_M: {
                c.address(i);
                c.undefinedFlags.shift(i, w, c.probe(i, bytes, true), 0);
                return false;
            }
            case RegionRecords.K_INCDEC_R: {
                Mem m = i.size == 0 && i.regA >= 4 ? spill(i.regA) : null;
                c.flagWriter(i);
                if (m != null) {
                    if (i.operation == 0) a.inc(w, m);
                    else a.dec(w, m);
                    reload(i.regA);
                } else if (i.operation == 0) {
                    a.inc(w, HOST[i.regA]);
                } else {
                    a.dec(w, HOST[i.regA]);
                }
                return false;
            }
            case RegionRecords.K_INCDEC_M: {
                c.address(i);
                Mem m = c.probe(i, bytes, true);
                c.flagWriter(i);
                if (i.operation == 0) a.inc(w, m);
                else a.dec(w, m);
                return false;
            }
            case RegionRecords.K_GRP3_R:
                if (i.operation == IDIV) {
                    idiv(i, HOST[i.regA]);
                } else if (i.operation == MUL || i.operation == IMUL1) { // of a byte
                    byteMultiply(i, readByte(i.regA));
                } else { // NOT or NEG of a byte
                    Mem m = i.regA >= 4 ? spill(i.regA) : null;
                    if (i.operation == NEG) c.flagWriter(i);
                    if (m != null) {
                        a.unary(i.operation, 8, m);
                        reload(i.regA);
                    } else {
                        a.unary(i.operation, 8, HOST[i.regA]);
                    }
                }
                return false;
            case RegionRecords.K_GRP3_M: {
                c.address(i);
                if (i.size == 0 && i.operation >= MUL) { // MUL, IMUL of a byte: read into R11
                    a.load(8, T1, c.probe(i, 1, false));
                    byteMultiply(i, T1);
                    return false;
                }
                if (i.operation >= MUL) { // the operand read into R11 first, then as the register form
                    a.load(32, T1, c.probe(i, 4, false));
                    if (i.operation == IDIV) idiv(i, T1);
                    else c.group3(i, T1);
                    return false;
                }
                Mem m = c.probe(i, bytes, true);
                if (i.operation == NEG) c.flagWriter(i);
                a.unary(i.operation, w, m);
                return false;
            }
            default:
                throw new IllegalStateException("record kind " + i.kind + " (" + i.name + ") is outside the native subset");
        }
    }

    /**
     * MUL or IMUL of AL by host byte register {@code r} (a guest's AL..BL, or R11 holding AH..BH
     * or the memory operand): AX = the product, with the guest's EAX in RAX for the one
     * instruction (R14 and RAX swapped: XCHG changes no flag); CF and OF the host's, SF ZF PF of
     * AL and AF 0 as the interpreter's ({@link NativeUndefinedFlags#multiplied}).
     */
    private void byteMultiply(Insn i, int r) {
        c.flagWriter(i);
        a.xchg(64, HOST[0], RAX);
        a.unary(i.operation, 8, r == HOST[0] ? RAX : r);
        a.xchg(64, HOST[0], RAX);
        c.undefinedFlags.multiplied(i, 8, HOST[0]); // the product's low half: AL
    }

    /** IDIV of host register {@code r} (32-bit): see the class comment. */
    private void idiv(Insn i, int r) {
        c.saveFlags(); // the flags (undefined after IDIV) stay those saved before it, in AX
        Label slow = c.exitTo(NativeContext.EXIT_SLOW, i.offset, 0);
        a.test(32, r, r);
        a.jcc(CC_E, slow);
        a.movsxd(ADDR, r); // the divisor, before RDX (the guest's EDX) changes
        a.mov(32, T1, RDX);
        a.shift(SHL, 64, T1, 32);
        a.mov(32, T2, HOST[0]);
        a.alu(OR, 64, T1, T2); // the dividend EDX:EAX
        a.mov(64, T2, T1);
        a.unary(NEG, 64, T2);
        a.jcc(CC_O, slow); // -2^63: no 32-bit quotient
        a.push(RAX);
        a.push(RDX);
        a.mov(64, RAX, T1);
        a.cqo();
        a.unary(IDIV, 64, ADDR);
        a.movsxd(T1, RAX);
        a.alu(CMP, 64, T1, RAX);
        Label fits = a.newLabel();
        a.jcc(CC_E, fits);
        a.pop(RDX); // the quotient needs more than 32 bits: #DE, the interpreter's
        a.pop(RAX);
        a.jmp(slow);
        a.bind(fits);
        a.mov(32, HOST[0], RAX);
        a.mov(32, RDX, RDX); // the remainder, zero-extended as a 32-bit register is kept
        a.pop(T1); // the guest's old EDX
        a.pop(RAX); // the saved flags
    }
}
