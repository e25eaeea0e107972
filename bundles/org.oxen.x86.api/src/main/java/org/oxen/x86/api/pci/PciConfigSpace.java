package org.oxen.x86.api.pci;

/**
 * A type-0 configuration header with the standard write semantics: read-only identification,
 * a command register, RW1C status bits, and BARs that answer the sizing protocol (write all
 * ones, read back the size mask). Subclass or wrap it for device-specific registers; override
 * {@link #barChanged(int, long)} to (re)map a BAR when the guest moves it.
 */
public class PciConfigSpace implements PciFunction {

    /** Header offsets. */
    public static final int VENDOR_ID = 0x00, DEVICE_ID = 0x02, COMMAND = 0x04, STATUS = 0x06, REVISION = 0x08,
            CLASS_PROG = 0x09, CLASS_DEVICE = 0x0A, CACHE_LINE = 0x0C, LATENCY = 0x0D, HEADER_TYPE = 0x0E,
            BAR0 = 0x10, SUBSYSTEM_VENDOR = 0x2C, SUBSYSTEM_ID = 0x2E, INTERRUPT_LINE = 0x3C,
            INTERRUPT_PIN = 0x3D;

    /** Command register bits. */
    public static final int CMD_IO = 1, CMD_MEMORY = 2, CMD_MASTER = 4, CMD_INTX_DISABLE = 0x400;

    protected final byte[] config = new byte[256];
    /** Bits the guest may write, per byte. */
    protected final byte[] writable = new byte[256];
    /** Bits the guest clears by writing one (status). */
    protected final byte[] clearOnOne = new byte[256];
    private final long[] barSize = new long[6];
    private final boolean[] barIo = new boolean[6];

    /**
     * A function with the given identification. {@code classCode} is the 24-bit class, subclass
     * and programming interface ({@code 0x060000} is a host bridge).
     */
    public PciConfigSpace(int vendor, int device, int revision, int classCode, boolean multiFunction) {
        set16(VENDOR_ID, vendor);
        set16(DEVICE_ID, device);
        config[REVISION] = (byte) revision;
        config[CLASS_PROG] = (byte) classCode;
        set16(CLASS_DEVICE, classCode >> 8);
        config[HEADER_TYPE] = (byte) (multiFunction ? 0x80 : 0);
        mask16(COMMAND, CMD_IO | CMD_MEMORY | CMD_MASTER | 0x40 | 0x100 | CMD_INTX_DISABLE);
        clearOnOne[STATUS + 1] = (byte) 0xF9;          // parity, target/master aborts, SERR, parity error
        writable[CACHE_LINE] = (byte) 0xFF;
        writable[LATENCY] = (byte) 0xFF;
        writable[INTERRUPT_LINE] = (byte) 0xFF;
    }

    /**
     * Declares BAR {@code bar} (0-5): {@code size} bytes (a power of two; at least 4 for I/O, 16
     * for memory), I/O or 32-bit memory, optionally prefetchable.
     */
    public final void defineBar(int bar, long size, boolean io, boolean prefetchable) {
        if (Long.bitCount(size) != 1 || size < (io ? 4 : 16) || size > (io ? 0x10000 : 0x8000_0000L)) {
            throw new IllegalArgumentException("BAR" + bar + ": bad size " + size);
        }
        barSize[bar] = size;
        barIo[bar] = io;
        int off = BAR0 + 4 * bar;
        int type = io ? 1 : prefetchable ? 8 : 0;
        set32(off, type);
        int mask = (int) ~(size - 1) & (io ? ~3 : ~0xF);
        for (int i = 0; i < 4; i++) {
            writable[off + i] = (byte) (mask >> 8 * i);
        }
    }

    /** Sets the interrupt pin (1 = INTA#) the function uses. */
    public final void setInterruptPin(int pin) {
        config[INTERRUPT_PIN] = (byte) pin;
    }

    /** The BAR's current base (type bits stripped). */
    public final long barBase(int bar) {
        int v = get32(BAR0 + 4 * bar);
        return barIo[bar] ? v & 0xFFFC : v & 0xFFFF_FFF0L;
    }

    /** Whether I/O ({@code io}) or memory decoding is enabled in the command register. */
    public final boolean decodes(boolean io) {
        return (get16(COMMAND) & (io ? CMD_IO : CMD_MEMORY)) != 0;
    }

    /** Called after a write changed BAR {@code bar}'s base (possibly to the sizing pattern). */
    protected void barChanged(int bar, long base) {
    }

    /** Called after a write to the command register. */
    protected void commandChanged(int command) {
    }

    @Override
    public int configRead(int offset, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= (config[(offset + i) & 0xFF] & 0xFF) << 8 * i;
        }
        return v;
    }

    @Override
    public void configWrite(int offset, int size, int value) {
        int[] before = new int[6];
        for (int b = 0; b < 6; b++) {
            before[b] = get32(BAR0 + 4 * b);
        }
        boolean command = false;
        for (int i = 0; i < size; i++) {
            int off = (offset + i) & 0xFF;
            int v = value >>> 8 * i & 0xFF;
            int w = writable[off] & 0xFF;
            int c = clearOnOne[off] & 0xFF;
            int old = config[off] & 0xFF;
            config[off] = (byte) ((old & ~w | v & w) & ~(v & c));
            command |= off == COMMAND || off == COMMAND + 1;
        }
        for (int b = 0; b < 6; b++) {
            if (barSize[b] != 0 && get32(BAR0 + 4 * b) != before[b]) {
                barChanged(b, barBase(b));
            }
        }
        if (command) {
            commandChanged(get16(COMMAND));
        }
    }

    /** Sets read-only bits (identification, device registers) directly. */
    public final void set8(int off, int v) {
        config[off] = (byte) v;
    }

    public final void set16(int off, int v) {
        config[off] = (byte) v;
        config[off + 1] = (byte) (v >> 8);
    }

    public final void set32(int off, int v) {
        set16(off, v);
        set16(off + 2, v >>> 16);
    }

    public final int get16(int off) {
        return configRead(off, 2);
    }

    public final int get32(int off) {
        return configRead(off, 4);
    }

    /** Makes {@code bits} of the 16-bit register at {@code off} guest-writable. */
    public final void mask16(int off, int bits) {
        writable[off] = (byte) bits;
        writable[off + 1] = (byte) (bits >> 8);
    }

    /** Makes {@code bits} of the byte at {@code off} guest-writable. */
    public final void mask8(int off, int bits) {
        writable[off] = (byte) bits;
    }

    /** The 256 bytes of the space as they read (save, 1.1). */
    public final byte[] saveConfig() {
        return config.clone();
    }

    /**
     * Loads saved bytes (1.1): every bit the guest cannot write (identification, BAR types and
     * sizes, the pin) must be what this function has, else the saved function is another one
     * and nothing is changed; then the BARs and the command register take effect as a write of
     * them would.
     *
     * @return null, or what is wrong ("byte 0x02 (read-only) is 0x34, this function's is 0x12")
     */
    public final String loadConfig(byte[] saved) {
        String problem = checkConfig(saved);
        if (problem != null) return problem;
        System.arraycopy(saved, 0, config, 0, config.length);
        for (int b = 0; b < 6; b++) {
            if (barSize[b] != 0) barChanged(b, barBase(b));
        }
        commandChanged(get16(COMMAND));
        return null;
    }

    /** What {@link #loadConfig} would refuse in {@code saved}, or null (1.1). */
    public final String checkConfig(byte[] saved) {
        if (saved.length != config.length) return saved.length + " bytes, not " + config.length;
        for (int i = 0; i < config.length; i++) {
            int fixed = ~(writable[i] | clearOnOne[i]) & 0xFF;
            if (((saved[i] ^ config[i]) & fixed) != 0) {
                return String.format("byte 0x%02x (bits 0x%02x read-only) is 0x%02x, this function's is 0x%02x", i, fixed,
                        saved[i] & 0xFF, config[i] & 0xFF);
            }
        }
        return null;
    }
}
