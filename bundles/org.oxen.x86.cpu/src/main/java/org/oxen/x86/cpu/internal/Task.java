package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * The hardware task switch (SDM Vol. 3, "Task Management") between 32-bit TSSs (types 9/0xB)
 * and 16-bit (286) TSSs (types 1/3), in any combination.
 *
 * <p>16-bit TSS: link 0x00, SP0/SS0..SP2/SS2 0x02-0x0C, IP 0x0E, FLAGS 0x10, AX CX DX BX SP BP
 * SI DI 0x12-0x20, ES CS SS DS 0x22-0x28, LDT 0x2A; limit at least 0x2B. Saving into one keeps
 * only the low words (the SDM: upper halves "modified and not maintained"); loading one sets the
 * upper words of the general registers to 0xFFFF (as Bochs does) and of EIP/EFLAGS to 0, nulls
 * FS and GS, and leaves CR3 alone (a 16-bit TSS has none). The T bit of a
 * 32-bit TSS (0x64 bit 0) arms a #DB trap with DR6.BT before the new task's first instruction.
 */
abstract class Task extends Prot {

    private static final int[] TASK_SEGS = {SS, ES, DS, FS, GS};
    private final int[] taskRegs = new int[8];
    private final int[] taskSegs = new int[6];

    Task(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    @Override
    final void taskSwitch(int sel, int source, int retEip) {
        sel &= 0xFFFF;
        if ((sel & 4) != 0) throw raise(TS, sel & 0xFFFC);
        readDesc(sel, GP);
        int lo = descLo, hi = descHi;
        int type = (hi >>> 8) & 0x1F;
        // available 1 (16-bit) / 9 (32-bit); busy 3 / 0xB
        if (source == TS_IRET) {
            if (type != 0xB && type != 3) throw raise(TS, sel & 0xFFFC);
        } else if (type != 9 && type != 1) {
            throw gp(sel & 0xFFFC);
        }
        if ((hi & 0x8000) == 0) throw raise(NP, sel & 0xFFFC);
        boolean n32 = (type & 8) != 0;
        int nBase = descBase(lo, hi), nLimit = descLimit(lo, hi);
        if (nLimit < (n32 ? 0x67 : 0x2B)) throw raise(TS, sel & 0xFFFC);
        // save the outgoing state
        int f = flags();
        if (source == TS_IRET) f &= ~NT;
        int b = trBase;
        if ((trAttr & 8) != 0) {
            sysWrite32(b + 0x20, retEip);
            sysWrite32(b + 0x24, f);
            for (int i = 0; i < 8; i++) sysWrite32(b + 0x28 + 4 * i, r[i]);
            for (int s = 0; s < 6; s++) sysWrite16(b + 0x48 + 4 * s, segSel[s]);
        } else {
            sysWrite16(b + 0x0E, retEip);
            sysWrite16(b + 0x10, f);
            for (int i = 0; i < 8; i++) sysWrite16(b + 0x12 + 2 * i, r[i]);
            for (int s = 0; s < 4; s++) sysWrite16(b + 0x22 + 2 * s, segSel[s]);
        }
        // busy bits
        if (source == TS_JMP || source == TS_IRET) {
            int oh = sysRead32(gdtBase + (trSel & 0xFFF8) + 4);
            sysWrite32(gdtBase + (trSel & 0xFFF8) + 4, oh & ~0x200);
        }
        if (source != TS_IRET) {
            sysWrite32(gdtBase + (sel & 0xFFF8) + 4, hi | 0x200);
            hi |= 0x200;
        }
        if (source == TS_CALL || source == TS_INT) {
            sysWrite16(nBase, trSel);
        }
        // read the incoming state
        int ncr3, neip, nfl, nldt;
        int[] nr = taskRegs;
        int[] nseg = taskSegs;
        if (n32) {
            ncr3 = sysRead32(nBase + 0x1C);
            neip = sysRead32(nBase + 0x20);
            nfl = sysRead32(nBase + 0x24);
            for (int i = 0; i < 8; i++) nr[i] = sysRead32(nBase + 0x28 + 4 * i);
            for (int s = 0; s < 6; s++) nseg[s] = sysRead16(nBase + 0x48 + 4 * s);
            nldt = sysRead16(nBase + 0x60);
        } else {
            ncr3 = cr3;
            neip = sysRead16(nBase + 0x0E);
            nfl = sysRead16(nBase + 0x10);
            for (int i = 0; i < 8; i++) nr[i] = 0xFFFF0000 | sysRead16(nBase + 0x12 + 2 * i);
            for (int s = 0; s < 4; s++) nseg[s] = sysRead16(nBase + 0x22 + 2 * s);
            nseg[FS] = 0;
            nseg[GS] = 0;
            nldt = sysRead16(nBase + 0x2A);
        }
        trSel = sel;
        trBase = nBase;
        trLimit = nLimit;
        trAttr = descAttr(hi);
        if (paging() && n32) {
            cr3 = ncr3;
            loadPdptes();
            flushTlb(false);
        }
        System.arraycopy(nr, 0, r, 0, 8);
        eip = neip;
        if (source == TS_CALL || source == TS_INT) nfl |= NT;
        writeFlags(nfl, false);
        cr0 |= 8;
        // LDT
        ldtSel = nldt;
        if ((nldt & 0xFFFC) == 0) {
            ldtAttr = 0x10000;
        } else {
            readDesc(nldt & ~4, TS);
            if (((descHi >>> 8) & 0x1F) != 2) throw raise(TS, nldt & 0xFFFC);
            ldtBase = descBase(descLo, descHi);
            ldtLimit = descLimit(descLo, descHi);
            ldtAttr = descAttr(descHi);
        }
        if ((nfl & VM) != 0 && n32) {
            // a virtual-8086 task: its selectors are paragraph numbers (VM is in EFLAGS already)
            enterV86Segments(nseg[CS], nseg[SS], nseg[ES], nseg[DS], nseg[FS], nseg[GS]);
            checkEip(eip);
            if ((sysRead16(nBase + 0x64) & 1) != 0) {
                armTaskTrap();
            }
            return;
        }
        // CS first: it sets CPL
        int cs = nseg[CS];
        if ((cs & 0xFFFC) == 0) throw raise(TS, 0);
        readDesc(cs, TS);
        if ((descHi & 0x1800) != 0x1800) throw raise(TS, cs & 0xFFFC);
        if ((descHi & 0x8000) == 0) throw raise(NP, cs & 0xFFFC);
        loadCs(cs, descLo, descHi, cs & 3);
        for (int s : TASK_SEGS) {
            try {
                loadSeg(s, nseg[s]);
            } catch (Fault ff) {
                if (faultVector == GP) {
                    faultVector = TS;
                }
                throw ff;
            }
        }
        checkEip(eip);
        if (n32 && (sysRead16(nBase + 0x64) & 1) != 0) {
            armTaskTrap(); // T: #DB (BT) once the switch is complete
        }
    }
}
