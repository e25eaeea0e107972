package org.oxen.x86.cpu.fpu;

/**
 * PLACEHOLDER written by the CPU-core engineer so the core compiles before the real x87 lands.
 * Every instruction reports "not implemented" by throwing {@link UnsupportedOperationException};
 * the core turns that into #UD. The FPU engineer replaces this whole file.
 */
public class X87 {

    public X87() {
    }

    /** FNINIT state. */
    public void reset() {
    }

    public void finit() {
    }

    /** Executes one x87 instruction; the stub raises #UD through the core. */
    public void execute(int opcode, int modrm, int seg, int offset, FpuHost host) {
        throw new UnsupportedOperationException("x87 not implemented (stub)");
    }

    public boolean hasPendingUnmaskedException() {
        return false;
    }

    public void setLastInstruction(int cs, int eip, int ds, int dataOffset, int opcode11) {
    }

    public void fxsave(int seg, int offset, FpuHost host) {
        throw new UnsupportedOperationException("fxsave not implemented (stub)");
    }

    public void fxrstor(int seg, int offset, FpuHost host) {
        throw new UnsupportedOperationException("fxrstor not implemented (stub)");
    }
}
