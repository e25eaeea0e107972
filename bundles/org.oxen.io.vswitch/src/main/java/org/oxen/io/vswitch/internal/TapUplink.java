package org.oxen.io.vswitch.internal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.SwitchPort;
import org.oxen.io.vswitch.Uplink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * A TAP uplink: a Linux TAP interface (/dev/net/tun, IFF_TAP | IFF_NO_PI: one Ethernet frame per
 * read and write) attached to a bridge, so the host's own network stack is one more port, as a
 * Xen host's bridge holds its physical or tap interface. The interface is created by this
 * process (root or CAP_NET_ADMIN) and goes when the uplink closes; its addresses and up/down
 * state are the host's business ({@code ip addr}, {@code ip link}).
 *
 * <p>Design: libc's open/ioctl/read/write/poll through JNA (direct mapping, arrays passed as
 * pointers, no allocation per frame once the buffers exist); a receiver thread polls the
 * descriptor with a 100 ms timeout (so close() ends it) and sends each frame into the bridge;
 * frames the bridge sends out of the port are written by the forwarding thread under the write
 * buffer's monitor.
 */
final class TapUplink implements Uplink {

    /** _IOW('T', 202, int). */
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final int O_RDWR = 2;
    static final short POLLIN = 1;

    /** The libc calls the uplink makes. */
    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int ioctl(int fd, NativeLong request, byte[] ifreq) throws LastErrorException;

        NativeLong read(int fd, byte[] buf, NativeLong count) throws LastErrorException;

        NativeLong write(int fd, byte[] buf, NativeLong count) throws LastErrorException;

        int poll(byte[] fds, NativeLong nfds, int timeout) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static volatile LibC libc;

    private static LibC libc() {
        LibC l = libc;
        if (l == null) libc = l = Native.load("c", LibC.class);
        return l;
    }

    private final String ifname;
    private final int fd;
    private final SwitchPort port;
    private final Thread receiver;
    private final byte[] writeBuffer = new byte[Bridge.MAX_FRAME];
    /** The write's length argument, reused under the write buffer's monitor. */
    private final NativeLong writeLength = new NativeLong();
    private final AtomicLong malformed = new AtomicLong();
    private final Consumer<String> log;
    private volatile boolean closed;

    TapUplink(Bridge bridge, String ifname, Consumer<String> log) throws IOException {
        if (!ifname.matches("[A-Za-z0-9._-]{1,15}")) {
            throw new IllegalArgumentException("TAP interface name '" + ifname + "': expected 1..15 letters, digits, '.', '-' or '_'");
        }
        this.ifname = ifname;
        this.log = log;
        LibC c = libc();
        int f;
        try {
            f = c.open("/dev/net/tun", O_RDWR);
        } catch (LastErrorException e) {
            throw new IOException("TAP uplink " + ifname + ": cannot open /dev/net/tun: " + e.getMessage()
                    + " (it needs root or CAP_NET_ADMIN and the tun module)", e);
        }
        byte[] ifreq = new byte[40];
        byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, ifreq, 0, name.length);
        short flags = (short) (IFF_TAP | IFF_NO_PI);
        ifreq[16] = (byte) flags;
        ifreq[17] = (byte) (flags >> 8);
        try {
            c.ioctl(f, new NativeLong(TUNSETIFF), ifreq);
        } catch (LastErrorException e) {
            c.close(f);
            throw new IOException("TAP uplink " + ifname + ": TUNSETIFF: " + e.getMessage(), e);
        }
        this.fd = f;
        this.port = bridge.attach("tap:" + ifname, this::transmit);
        this.receiver = new Thread(this::receive, "vswitch " + bridge.name() + " tap " + ifname);
        receiver.setDaemon(true);
        receiver.start();
    }

    private boolean transmit(byte[] frame, int offset, int length) {
        if (closed) return false;
        synchronized (writeBuffer) {
            System.arraycopy(frame, offset, writeBuffer, 0, length);
            try {
                writeLength.setValue(length);
                return libc().write(fd, writeBuffer, writeLength).longValue() == length;
            } catch (LastErrorException e) {
                return false; // the interface is down (EIO): a drop, counted by the bridge
            }
        }
    }

    private void receive() {
        LibC c = libc();
        byte[] buf = new byte[65536];
        byte[] pollfd = new byte[8];
        pollfd[0] = (byte) fd;
        pollfd[1] = (byte) (fd >> 8);
        pollfd[2] = (byte) (fd >> 16);
        pollfd[3] = (byte) (fd >> 24);
        pollfd[4] = (byte) POLLIN;
        NativeLong one = new NativeLong(1), size = new NativeLong(buf.length);
        while (!closed) {
            try {
                pollfd[6] = pollfd[7] = 0;
                if (c.poll(pollfd, one, 100) <= 0 || (pollfd[6] & POLLIN) == 0) continue;
                int n = (int) c.read(fd, buf, size).longValue();
                if (n < Bridge.MIN_FRAME || n > Bridge.MAX_FRAME) {
                    malformed.incrementAndGet();
                    continue;
                }
                port.send(buf, 0, n);
            } catch (LastErrorException e) {
                if (!closed) log.accept("vswitch: tap " + ifname + ": " + e.getMessage());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public String description() {
        return "tap " + ifname;
    }

    @Override
    public SwitchPort port() {
        return port;
    }

    @Override
    public long malformed() {
        return malformed.get();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        port.close();
        try {
            receiver.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (writeBuffer) {
            libc().close(fd);
        }
    }

    @Override
    public String toString() {
        return description();
    }
}
