package org.oxen.io.consoleback;

import static org.oxen.vmm.abi.Rings.CONS_CONNECTION;
import static org.oxen.vmm.abi.Rings.CONS_IN;
import static org.oxen.vmm.abi.Rings.CONS_IN_CONS;
import static org.oxen.vmm.abi.Rings.CONS_IN_PROD;
import static org.oxen.vmm.abi.Rings.CONS_IN_SIZE;
import static org.oxen.vmm.abi.Rings.CONS_OUT;
import static org.oxen.vmm.abi.Rings.CONS_OUT_CONS;
import static org.oxen.vmm.abi.Rings.CONS_OUT_PROD;
import static org.oxen.vmm.abi.Rings.CONS_OUT_SIZE;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.oxen.vmm.abi.Rings;
import org.oxen.vmm.api.ConsoleViewer;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.GuestConsole;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.api.backend.PageView;

/**
 * One domain's console as xenconsoled serves it (tools/console/daemon/io.c): the
 * {@code xencons_interface} page mapped from Domain-0, the event channel bound to the guest's
 * console port, the log, the viewers.
 *
 * <p>Output (guest → Domain-0, {@code out[2048]}): {@link #drain} copies {@code out_prod - cons}
 * bytes, advances {@code out_cons} and notifies the guest (buffer_append). Domain-0's consumer
 * index is kept privately, so a guest scribbling on {@code out_cons} changes nothing; an
 * {@code out_prod} more than 2048 bytes ahead of it is a broken protocol: counted, the console
 * marked broken with a log line and the ring DISCONNECTED, never served again (the domain runs
 * on, its output on console_io). Input (Domain-0 →
 * guest, {@code in[1024]}): {@link #write} copies what fits, publishes {@code in_prod} (kept
 * privately too) and notifies (handle_tty_read); an {@code in_cons} beyond {@code in_prod} breaks
 * the console the same way.
 *
 * <p>Locking: the ring state (mapping, port, private indexes, broken) is guarded by this
 * object's monitor, taken by the service thread's {@link #drain} and by writers' {@link #write};
 * it is a leaf but for the page's own monitor and the event send (which takes the event locks
 * and calls no listener of ours). Viewers are called on the service thread only, outside the
 * monitor, in output order (one drainer). The rate-limit fields belong to the service thread.
 */
final class DomainConsole implements GuestConsole {

    private final int domid;
    private final String name;
    private final ConsoleLog log;
    private final Consumer<String> problems;
    private final List<ConsoleViewer> viewers = new CopyOnWriteArrayList<>();
    /** The domain's console_io output (its log if the ring never delivered), set at connect. */
    volatile java.util.function.Supplier<String> consoleIo;
    /** Whether the console is in the service thread's queue (a kick is pending). */
    final AtomicBoolean queued = new AtomicBoolean();
    /** The domain ended: the service thread drains once more and ends the console. */
    volatile boolean endRequested;

    // guarded by this
    private ForeignMapping mapping;
    private EventPort port;
    private int outCons;
    private int inProd;
    private volatile boolean live = true;
    private volatile String broken;

    // the service thread's
    private final byte[] chunk = new byte[CONS_OUT_SIZE];
    long periodStart;
    int readsInPeriod;
    boolean deferred;
    long reads;
    long throttledPeriods;
    long bytesOut;

    DomainConsole(int domid, String name, int logBytes, Consumer<String> problems) {
        this.domid = domid;
        this.name = name;
        this.log = new ConsoleLog(logBytes);
        this.problems = problems;
    }

    /**
     * Takes the ring (mapped, its port bound): reads where the guest's indexes stand and marks the
     * ring CONNECTED, so the guest starts using it (console.h's connection flag).
     */
    synchronized void connect(ForeignMapping m, EventPort p) {
        mapping = m;
        port = p;
        PageView page = m.page();
        outCons = page.getInt(CONS_OUT_CONS);
        inProd = page.getInt(CONS_IN_PROD);
        page.fullFence();
        page.putByte(CONS_CONNECTION, Rings.XENCONSOLE_CONNECTED);
        page.fullFence();
        // tell the guest: one waiting for keys replays its early output now (the kit)
        p.send();
    }

    /**
     * Copies what the guest produced into the log and to the viewers (service thread only).
     *
     * @return the bytes read, 0 if none, -1 if the console is not served (ended, broken, gone)
     */
    int drain() {
        int n;
        synchronized (this) {
            if (mapping == null || broken != null) return -1;
            try {
                PageView page = mapping.page();
                int prod = page.getIntAcquire(CONS_OUT_PROD);
                n = prod - outCons;
                if (Integer.compareUnsigned(n, CONS_OUT_SIZE) > 0) {
                    breakRing(String.format("out_prod %d is %d bytes ahead of out_cons %d (the ring holds %d)",
                            Integer.toUnsignedLong(prod), Integer.toUnsignedLong(n), Integer.toUnsignedLong(outCons),
                            CONS_OUT_SIZE));
                    return -1;
                }
                if (n == 0) return 0;
                int at = outCons & (CONS_OUT_SIZE - 1);
                int first = Math.min(n, CONS_OUT_SIZE - at);
                page.get(CONS_OUT + at, chunk, 0, first);
                page.get(CONS_OUT, chunk, first, n - first);
                outCons = prod;
                ringDelivered = true;
                page.fullFence();
                page.putIntRelease(CONS_OUT_CONS, prod);
                port.send();
            } catch (IllegalStateException e) {
                // closed under us (the backend stops)
                return -1;
            }
        }
        reads++;
        bytesOut += n;
        deliver(chunk, n);
        return n;
    }

    private void deliver(byte[] b, int n) {
        log.append(b, 0, n);
        for (ConsoleViewer v : viewers) {
            try {
                v.output(java.util.Arrays.copyOf(b, n));
            } catch (RuntimeException e) {
                // a viewer's failure is not the guest's
            }
        }
    }

    /** The log starts with {@code early}: output of a domain that ended before it was served. */
    void seed(byte[] early) {
        log.append(early, 0, early.length);
    }

    /** Whether the ring ever delivered output (guarded by this). */
    private boolean ringDelivered;

    /**
     * The end of a domain whose ring delivered nothing: what it wrote went to console_io (the kit
     * writes there while the ring is DISCONNECTED, e.g. a guest that ran to its end before the
     * backend connected), so that is its log.
     */
    void seedIfRingSilent(java.util.function.Supplier<String> consoleIo) {
        synchronized (this) {
            if (ringDelivered) return;
        }
        seed(consoleIo.get().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** Guarded by this: the guest broke the protocol. */
    private void breakRing(String why) {
        broken = why;
        String line = "consoled: d" + domid + " (" + name + "): console ring broken, no longer served: " + why;
        problems.accept(line);
        byte[] note = ("\r\n[" + line + "]\r\n").getBytes(StandardCharsets.UTF_8);
        log.append(note, 0, note.length);
        try {
            // not served any more (said last, once it is on record): the guest goes back to
            // console_io (console.h's flag)
            mapping.page().putByte(CONS_CONNECTION, Rings.XENCONSOLE_DISCONNECTED);
        } catch (IllegalStateException e) {
            // revoked: the domain is gone anyway
        }
    }

    /** The domain ended (or the backend stops): drops the ring, tells the viewers. Idempotent. */
    void end(boolean disconnect) {
        synchronized (this) {
            if (!live) return;
            live = false;
            if (mapping != null) {
                try {
                    if (disconnect) {
                        // the backend goes while the guest runs: it falls back to console_io
                        mapping.page().putByte(CONS_CONNECTION, Rings.XENCONSOLE_DISCONNECTED);
                    }
                } catch (IllegalStateException e) {
                    // revoked: the domain is gone
                }
                mapping.close();
                mapping = null;
            }
            if (port != null) {
                port.close();
                port = null;
            }
        }
        for (ConsoleViewer v : viewers) {
            try {
                v.ended();
            } catch (RuntimeException e) {
                // as in deliver
            }
        }
        viewers.clear();
    }

    @Override
    public int domid() {
        return domid;
    }

    @Override
    public String domainName() {
        return name;
    }

    @Override
    public boolean isLive() {
        return live;
    }

    @Override
    public Optional<String> broken() {
        return Optional.ofNullable(broken);
    }

    @Override
    public byte[] log() {
        return log.contents();
    }

    /** Bytes of output ever logged. */
    long logged() {
        return log.written();
    }

    @Override
    public AutoCloseable attach(ConsoleViewer viewer) {
        Objects.requireNonNull(viewer, "viewer");
        viewers.add(viewer);
        if (!live) {
            viewers.remove(viewer);
            viewer.ended();
        }
        return () -> viewers.remove(viewer);
    }

    @Override
    public int write(byte[] input, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, input.length);
        synchronized (this) {
            if (!live) throw new IllegalStateException("the console of d" + domid + " (" + name + ") has ended");
            if (mapping == null || broken != null || length == 0) return 0;
            try {
                PageView page = mapping.page();
                int cons = page.getIntAcquire(CONS_IN_CONS);
                int used = inProd - cons;
                if (Integer.compareUnsigned(used, CONS_IN_SIZE) > 0) {
                    breakRing(String.format("in_cons %d is not within the %d bytes before in_prod %d",
                            Integer.toUnsignedLong(cons), CONS_IN_SIZE, Integer.toUnsignedLong(inProd)));
                    return 0;
                }
                int n = Math.min(length, CONS_IN_SIZE - used);
                if (n == 0) return 0;
                int at = inProd & (CONS_IN_SIZE - 1);
                int first = Math.min(n, CONS_IN_SIZE - at);
                page.put(CONS_IN + at, input, offset, first);
                page.put(CONS_IN, input, offset + first, n - first);
                inProd += n;
                page.putIntRelease(CONS_IN_PROD, inProd);
                page.fullFence();
                port.send();
                return n;
            } catch (IllegalStateException e) {
                throw new IllegalStateException("the console of d" + domid + " (" + name + ") has ended", e);
            }
        }
    }

    @Override
    public String toString() {
        return "console of d" + domid + " (" + name + ")" + (live ? "" : ", ended") + (broken == null ? "" : ", broken");
    }
}
