package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.VcpuImpl;

/** console_io: the guest's emergency console, kept per domain (what {@code xl console} shows). */
final class ConsoleHypercalls {

    /** Bytes copied per call before a continuation lets others run (Xen copies in chunks too). */
    private static final int CHUNK = 16 * 1024;

    private final Services s;

    ConsoleHypercalls(Services s) {
        this.s = s;
    }

    long consoleIo(VcpuImpl v, int cmd, int count, int buffer, int a4, int a5, int a6, boolean mc) {
        switch (cmd) {
            case Xen.CONSOLEIO_WRITE: {
                long n = count & 0xFFFFFFFFL;
                int now = (int) Math.min(n, CHUNK);
                byte[] b = new byte[now];
                s.guest().read(Args.cr3(v), buffer, b, 0, now);
                v.domain().consoleWrite(b, 0, now);
                if (n > now) {
                    return Args.continuation(v, mc, Hypercall.CONSOLE_IO, cmd, (int) (n - now), buffer + now, a4);
                }
                return 0;
            }
            case Xen.CONSOLEIO_READ:
                return 0; // no console input yet (the console backend comes with the split drivers)
            default:
                return ENOSYS;
        }
    }
}
