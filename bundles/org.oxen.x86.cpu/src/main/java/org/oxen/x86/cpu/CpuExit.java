package org.oxen.x86.cpu;

/**
 * The details of one exit. One instance per CPU, reused: copy what must outlive the handler.
 */
public final class CpuExit {
    ExitReason reason;
    int vector = -1;
    int errorCode = -1;
    int address;
    int port;
    int size;
    boolean write;
    long value;
    int index;
    int register = -1;
    int eip;
    int nextEip;

    /** For the core: fills the record. */
    public void set(ExitReason reason, int vector, int errorCode, int address, int port, int size, boolean write,
            long value, int index, int register, int eip, int nextEip) {
        this.reason = reason;
        this.vector = vector;
        this.errorCode = errorCode;
        this.address = address;
        this.port = port;
        this.size = size;
        this.write = write;
        this.value = value;
        this.index = index;
        this.register = register;
        this.eip = eip;
        this.nextEip = nextEip;
    }

    public ExitReason reason() { return reason; }

    /** Interrupt or exception vector; -1 if none. */
    public int vector() { return vector; }

    /** Exception error code; -1 if the exception has none. */
    public int errorCode() { return errorCode; }

    /** #PF linear address. */
    public int address() { return address; }

    public int port() { return port; }

    /** Access size in bytes (I/O). */
    public int size() { return size; }

    public boolean write() { return write; }

    /** Value written (OUT, WRMSR, MOV to CR), or the handler's result for reads. */
    public long value() { return value; }

    /** Result of a read for {@link ExitAction#COMPLETE}. */
    public void setValue(long value) { this.value = value; }

    /** CR number or MSR index. */
    public int index() { return index; }

    /** General register of a MOV CR (0..7), or -1. */
    public int register() { return register; }

    /** EIP of the instruction. */
    public int eip() { return eip; }

    /** EIP after the instruction (not meaningful for EXCEPTION). */
    public int nextEip() { return nextEip; }

    @Override
    public String toString() {
        return reason + " vec=" + vector + " err=" + errorCode + " addr=" + Integer.toHexString(address) + " port="
                + Integer.toHexString(port) + " idx=" + Integer.toHexString(index) + " eip=" + Integer.toHexString(eip);
    }
}
