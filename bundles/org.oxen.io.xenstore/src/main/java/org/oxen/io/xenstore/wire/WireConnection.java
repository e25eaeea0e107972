package org.oxen.io.xenstore.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.oxen.io.xenstore.store.Paths;
import org.oxen.io.xenstore.store.Store;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * One domain's xenstore connection speaking xs_wire (tools/xenstored/core.c's process_message):
 * each request message gets exactly one reply with the same req_id and tx_id, either the
 * answer or XS_ERROR with the errno name ("EINVAL\0"); watch events are XS_WATCH_EVENT messages
 * with req_id 0. The transport (the domain's store ring) frames messages and calls
 * {@link #receive}; replies and events go to the sink.
 *
 * <p>Hostile input: a header whose len is over {@link XsWire#PAYLOAD_MAX} or a message whose
 * length disagrees with its header breaks the connection, as xenstored drops such a client
 * ({@link #broken()}; later messages are ignored). A payload without its
 * NUL is EINVAL; an unknown transaction ENOENT; the privileged operations from a guest EACCES;
 * an unknown type ENOSYS (checked in that order: unknown type, privilege, transaction, as
 * process_message does).
 *
 * <p>Locking: receive is called by one transport thread at a time (synchronized); the store
 * serialises the operations; the sink is called from that thread and the store's watch thread
 * and must be thread-safe.
 */
public final class WireConnection implements AutoCloseable {

    private final Store store;
    private final int domid;
    private final Consumer<byte[]> sink;
    private final Map<Integer, Store.Transaction> transactions = new HashMap<>();
    private final List<Store.Watch> watches = new ArrayList<>();
    private int nextTx = 1;
    private volatile String broken;

    public WireConnection(Store store, int domid, Consumer<byte[]> sink) {
        this.store = store;
        this.domid = domid;
        this.sink = sink;
    }

    /** Why the connection was dropped, or null while it is good. */
    public String broken() {
        return broken;
    }

    /**
     * Checks a header as the transport reads it, before the payload: a len over the maximum
     * breaks the connection.
     *
     * @return the payload length to read, or -1 if the connection is now broken
     */
    public int checkHeader(byte[] header) {
        int len = XsWire.length(header);
        if (Integer.compareUnsigned(len, XsWire.PAYLOAD_MAX) > 0) {
            broken = "message of " + Integer.toUnsignedString(len) + " bytes is over the " + XsWire.PAYLOAD_MAX
                    + "-byte maximum";
            return -1;
        }
        return len;
    }

    /** Handles one whole message (header and payload). */
    public synchronized void receive(byte[] msg) {
        if (broken != null) return;
        if (msg.length < XsWire.HEADER || checkHeader(msg) < 0) {
            if (broken == null) broken = "message shorter than its header";
            return;
        }
        if (XsWire.length(msg) != msg.length - XsWire.HEADER) {
            broken = "header says " + XsWire.length(msg) + " bytes, message has " + (msg.length - XsWire.HEADER);
            return;
        }
        int type = XsWire.type(msg);
        int reqId = XsWire.reqId(msg);
        int txId = XsWire.txId(msg);
        byte[] payload = java.util.Arrays.copyOfRange(msg, XsWire.HEADER, msg.length);
        try {
            byte[] answer = handle(type, txId, payload);
            sink.accept(XsWire.message(type, reqId, txId, answer));
        } catch (XenstoreException e) {
            sink.accept(XsWire.message(XsWire.ERROR, reqId, txId, cstr(e.error())));
        }
    }

    private static final byte[] OK = cstr("OK");

    private byte[] handle(int type, int txId, byte[] payload) throws XenstoreException {
        // process_message's order: an unknown type ENOSYS, a privileged one from a guest EACCES,
        // then the transaction (ENOENT) for the types that take one
        switch (type) {
            case XsWire.CONTROL, XsWire.DIRECTORY, XsWire.READ, XsWire.GET_PERMS, XsWire.WATCH, XsWire.UNWATCH,
                    XsWire.TRANSACTION_START, XsWire.TRANSACTION_END, XsWire.INTRODUCE, XsWire.RELEASE,
                    XsWire.GET_DOMAIN_PATH, XsWire.WRITE, XsWire.MKDIR, XsWire.RM, XsWire.SET_PERMS,
                    XsWire.IS_DOMAIN_INTRODUCED, XsWire.RESUME, XsWire.SET_TARGET, XsWire.RESET_WATCHES,
                    XsWire.SET_FEATURE, XsWire.GET_QUOTA, XsWire.SET_QUOTA:
                break;
            default:
                throw new XenstoreException("ENOSYS", "unknown message type " + Integer.toUnsignedString(type));
        }
        if (domid != 0 && isPrivileged(type)) {
            throw new XenstoreException("EACCES", "privileged operation " + type);
        }
        Store.Transaction tx = null;
        if (txId != 0) {
            tx = transactions.get(txId);
            if (tx == null) throw new XenstoreException("ENOENT", "no transaction " + Integer.toUnsignedString(txId));
        }
        switch (type) {
            case XsWire.READ:
                return store.read(domid, tx, one(payload)).map(v -> v.getBytes(StandardCharsets.ISO_8859_1))
                        .orElseThrow(() -> new XenstoreException("ENOENT", "no node"));
            case XsWire.WRITE: {
                int nul = indexOfNul(payload, 0);
                if (nul < 0) throw new XenstoreException("EINVAL", "XS_WRITE without a NUL after the path");
                String path = new String(payload, 0, nul, StandardCharsets.ISO_8859_1);
                store.write(domid, tx, path, new String(payload, nul + 1, payload.length - nul - 1, StandardCharsets.ISO_8859_1));
                return OK;
            }
            case XsWire.MKDIR:
                store.mkdir(domid, tx, one(payload));
                return OK;
            case XsWire.RM:
                store.rm(domid, tx, one(payload));
                return OK;
            case XsWire.DIRECTORY:
                return join(store.directory(domid, tx, one(payload)));
            case XsWire.GET_PERMS:
                return join(store.permissions(domid, tx, one(payload)));
            case XsWire.SET_PERMS: {
                List<String> parts = strings(payload);
                if (parts.size() < 2) throw new XenstoreException("EINVAL", "XS_SET_PERMS needs a path and permissions");
                store.setPermissions(domid, tx, parts.get(0), parts.subList(1, parts.size()));
                return OK;
            }
            case XsWire.WATCH: {
                List<String> parts = strings(payload);
                if (parts.size() != 2) throw new XenstoreException("EINVAL", "XS_WATCH needs a path and a token");
                String wp = parts.get(0);
                String wabs = wp.startsWith("@") ? wp : Paths.canonical(domid, wp);
                synchronized (watches) {
                    for (Store.Watch w : watches) {
                        if (w.path().equals(wabs) && w.token().equals(parts.get(1))) {
                            throw new XenstoreException("EEXIST", "watch with that path and token exists");
                        }
                    }
                }
                // events go out under the connection's lock, so the initial one follows this reply
                Store.Watch w = store.watch(domid, parts.get(0), parts.get(1), (path, token) -> {
                    synchronized (this) {
                        if (broken == null) sink.accept(XsWire.message(XsWire.WATCH_EVENT, 0, 0, join(List.of(path, token))));
                    }
                });
                synchronized (watches) {
                    watches.add(w);
                }
                return OK;
            }
            case XsWire.UNWATCH: {
                List<String> parts = strings(payload);
                if (parts.size() != 2) throw new XenstoreException("EINVAL", "XS_UNWATCH needs a path and a token");
                String p = parts.get(0);
                String abs = p.startsWith("@") ? p : Paths.canonical(domid, p);
                synchronized (watches) {
                    for (Store.Watch w : watches) {
                        if (w.path().equals(abs) && w.token().equals(parts.get(1))) {
                            watches.remove(w);
                            store.unwatch(w);
                            return OK;
                        }
                    }
                }
                throw new XenstoreException("ENOENT", "no such watch");
            }
            case XsWire.TRANSACTION_START: {
                if (tx != null) throw new XenstoreException("EBUSY", "transaction inside a transaction");
                Store.Transaction t = store.begin(domid);
                int id = nextTx++;
                if (nextTx == 0) nextTx = 1;
                transactions.put(id, t);
                return cstr(Integer.toUnsignedString(id));
            }
            case XsWire.TRANSACTION_END: {
                if (tx == null) throw new XenstoreException("EINVAL", "XS_TRANSACTION_END outside a transaction");
                String how = one(payload);
                if (!how.equals("T") && !how.equals("F")) throw new XenstoreException("EINVAL", "end with T or F");
                transactions.remove(txId);
                if (how.equals("F")) {
                    store.abort(tx);
                    return OK;
                }
                if (!store.commit(tx)) throw new XenstoreException("EAGAIN", "conflict");
                return OK;
            }
            case XsWire.GET_DOMAIN_PATH: {
                String id = one(payload);
                try {
                    return cstr(Paths.domainPath(Integer.parseInt(id)));
                } catch (NumberFormatException e) {
                    throw new XenstoreException("EINVAL", "not a domain id: " + id);
                }
            }
            case XsWire.RESET_WATCHES:
                synchronized (watches) {
                    watches.forEach(store::unwatch);
                    watches.clear();
                }
                return OK;
            default:
                // the privileged operations (Domain-0 introduces domains through the VMM, not a ring)
                throw new XenstoreException("ENOSYS", "operation " + type + " is not served on a ring");
        }
    }

    /** xenstored's XS_FLAG_PRIV operations. */
    private static boolean isPrivileged(int type) {
        return switch (type) {
            case XsWire.CONTROL, XsWire.INTRODUCE, XsWire.RELEASE, XsWire.IS_DOMAIN_INTRODUCED, XsWire.RESUME,
                    XsWire.SET_TARGET, XsWire.SET_FEATURE, XsWire.GET_QUOTA, XsWire.SET_QUOTA -> true;
            default -> false;
        };
    }

    /** The payload as one NUL-terminated string. */
    private static String one(byte[] p) throws XenstoreException {
        int nul = indexOfNul(p, 0);
        if (nul != p.length - 1) throw new XenstoreException("EINVAL", "payload is not one NUL-terminated string");
        return new String(p, 0, nul, StandardCharsets.ISO_8859_1);
    }

    /** The payload as NUL-terminated strings (the last NUL required). */
    private static List<String> strings(byte[] p) throws XenstoreException {
        if (p.length == 0 || p[p.length - 1] != 0) throw new XenstoreException("EINVAL", "payload lacks its final NUL");
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) {
                out.add(new String(p, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return out;
    }

    private static int indexOfNul(byte[] p, int from) {
        for (int i = from; i < p.length; i++) {
            if (p[i] == 0) return i;
        }
        return -1;
    }

    static byte[] cstr(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return java.util.Arrays.copyOf(b, b.length + 1);
    }

    private static byte[] join(List<String> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : parts) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** The domain went away: its watches and transactions go with it. */
    @Override
    public synchronized void close() {
        transactions.values().forEach(store::abort);
        transactions.clear();
        synchronized (watches) {
            watches.forEach(store::unwatch);
            watches.clear();
        }
    }
}
