package org.oxen.x86.cpu.fpu;

/** What the x87 unit needs from the integer core; implemented by the core. Memory methods take a segment register index (0=ES,1=CS,2=SS,3=DS,4=FS,5=GS) and an effective offset, perform segmentation/paging checks and may throw the core's (stackless, preallocated) fault signal, so X87 must read all memory operands before changing its own state. */
public interface FpuHost {
    int read8(int seg, int offset); int read16(int seg, int offset); int read32(int seg, int offset); long read64(int seg, int offset);
    void write8(int seg, int offset, int v); void write16(int seg, int offset, int v); void write32(int seg, int offset, int v); void write64(int seg, int offset, long v);
    void setAx(int value16);                  // FNSTSW AX
    void setFlagsFromFcomi(int zf, int pf, int cf);   // FCOMI/FUCOMI: ZF,PF,CF set; OF,SF,AF cleared
    int eflags();                              // FCMOVcc reads CF/ZF/PF
    boolean operandSize32();                   // FSTENV/FLDENV/FSAVE/FRSTOR layout (16/32-bit)
    boolean protectedMode();                   // same, real vs protected layout
}
