package org.oxen.vmm.abi;

/** physdev_op (physdev.h): the commands oxen knows. */
public final class Physdev {
    private Physdev() {
    }

    public static final int PHYSDEVOP_SET_IOPL = 6;
    public static final int PHYSDEVOP_SET_IOBITMAP = 7;
    /** physdev_set_iopl: iopl u32. */
    public static final int SET_IOPL_SIZE = 4;
}
