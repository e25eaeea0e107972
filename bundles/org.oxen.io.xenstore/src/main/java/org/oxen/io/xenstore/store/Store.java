package org.oxen.io.xenstore.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreWatcher;

/**
 * xenstored's store (tools/xenstored core.c, watch.c, transaction.c as docs/misc/xenstore.txt
 * describes them): the tree, permissions checked for the calling domain, watches, transactions,
 * quotas. Every operation takes the caller's domain id; Domain-0 is privileged.
 *
 * <p>Design: the live tree is a {@link Node} tree with a generation per node (a global counter
 * stamped on each change of a node's value, permissions or children). A transaction works on a
 * deep copy of the tree taken at its start and records, per node it touched, the generation it
 * saw (or that the node was absent) and the operations it did; commit checks those generations
 * against the live tree (any difference: EAGAIN, nothing applied) and replays the operations on
 * a copy of the live tree that replaces it only if every one succeeds (all or nothing). Quotas
 * bound the tree, so the copies are bounded too. Watch events are queued under the lock and
 * delivered in order on the store's one delivery thread.
 *
 * <p>Locking: this object's monitor guards the tree, the node counts, the watches and the
 * transactions; no watcher is called under it.
 */
public final class Store implements AutoCloseable {

    /** An open transaction. */
    public final class Transaction {
        final int domid;
        Node root;
        /**
         * The tree as it was when the transaction started, never changed: the generations a
         * commit compares come from here. (Looked up in {@link #root} after the transaction's
         * own changes, a node it removed and wrote again, e.g. the toolstack's rm-then-write of a
         * domain's directory, was recorded as absent and conflicted with itself on every commit.)
         */
        Node base;
        Map<Integer, Integer> counts;
        final Map<String, Long> seen = new LinkedHashMap<>();
        final List<Op> ops = new ArrayList<>();
        boolean open = true;

        Transaction(int domid) {
            this.domid = domid;
        }

        public int domid() {
            return domid;
        }
    }

    /** A registered watch. */
    public final class Watch {
        final int domid;
        final String path;
        final String token;
        final boolean relative;
        final XenstoreWatcher watcher;

        Watch(int domid, String path, String token, boolean relative, XenstoreWatcher watcher) {
            this.domid = domid;
            this.path = path;
            this.token = token;
            this.relative = relative;
            this.watcher = watcher;
        }

        /** The watched node, absolute (or the special name). */
        public String path() {
            return path;
        }

        public String token() {
            return token;
        }

        String eventPath(String abs) {
            return relative ? abs.substring(Paths.domainPath(domid).length() + 1) : abs;
        }
    }

    private record Op(int kind, String path, String value, List<Perm> perms) {
        static final int WRITE = 0, MKDIR = 1, RM = 2, SET_PERMS = 3;
    }

    /** The tree a call works on: the live one or a transaction's copy. */
    private static final class Tree {
        Node root;
        Map<Integer, Integer> counts;
        /** Changed paths and, for removals, the perms the watcher must have read (live tree only). */
        List<Object[]> changes;

        Tree(Node root, Map<Integer, Integer> counts, List<Object[]> changes) {
            this.root = root;
            this.counts = counts;
            this.changes = changes;
        }
    }

    private final Quotas quotas;
    private Node root;
    private Map<Integer, Integer> counts = new HashMap<>();
    private long generation;
    private final List<Watch> watches = new ArrayList<>();
    private final Map<Integer, Integer> openTransactions = new HashMap<>();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "xenstored watch events");
        t.setDaemon(true);
        return t;
    });

    public Store(Quotas quotas) {
        this.quotas = quotas;
        root = new Node("", List.of(new Perm('n', 0)), ++generation);
        root.count(counts);
        Tree t = live(null);
        try {
            for (String p : new String[] {"/local", "/local/domain", "/vm", "/tool"}) {
                create(t, 0, p, "");
            }
        } catch (XenstoreException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        delivery.shutdownNow();
    }

    private Tree live(List<Object[]> changes) {
        return new Tree(root, counts, changes);
    }

    private Tree tree(Transaction tx) throws XenstoreException {
        if (tx == null) return live(new ArrayList<>());
        if (!tx.open) throw new XenstoreException("ENOENT", "transaction already ended");
        return new Tree(tx.root, tx.counts, null);
    }

    private static Node lookup(Node root, String abs) {
        if (abs.equals("/")) return root;
        Node n = root;
        int i = 1;
        while (n != null) {
            int j = abs.indexOf('/', i);
            String name = j < 0 ? abs.substring(i) : abs.substring(i, j);
            n = n.children.get(name);
            if (j < 0) return n;
            i = j + 1;
        }
        return null;
    }

    private static void note(Transaction tx, String abs) {
        if (tx != null && !tx.seen.containsKey(abs)) {
            Node n = lookup(tx.base, abs);
            tx.seen.put(abs, n == null ? -1L : n.generation);
        }
    }

    private static Node require(Tree t, int domid, String abs, int access) throws XenstoreException {
        Node n = lookup(t.root, abs);
        if (n == null) throw new XenstoreException("ENOENT", "no node " + Paths.shorten(abs));
        if ((Perm.access(n.perms, domid) & access) != access) {
            throw new XenstoreException("EACCES", "domain " + domid + " may not " + (access == Perm.READ ? "read " : "write ")
                    + Paths.shorten(abs));
        }
        return n;
    }

    // ------------------------------------------------------------------ operations

    public synchronized Optional<String> read(int domid, Transaction tx, String path) throws XenstoreException {
        String abs = Paths.canonical(domid, path);
        Tree t = tree(tx);
        note(tx, abs);
        if (lookup(t.root, abs) == null) return Optional.empty();
        return Optional.of(require(t, domid, abs, Perm.READ).value);
    }

    public synchronized List<String> directory(int domid, Transaction tx, String path) throws XenstoreException {
        String abs = Paths.canonical(domid, path);
        Tree t = tree(tx);
        note(tx, abs);
        return List.copyOf(require(t, domid, abs, Perm.READ).children.keySet());
    }

    public synchronized List<String> permissions(int domid, Transaction tx, String path) throws XenstoreException {
        String abs = Paths.canonical(domid, path);
        Tree t = tree(tx);
        note(tx, abs);
        return require(t, domid, abs, Perm.READ).perms.stream().map(Perm::toString).toList();
    }

    public void write(int domid, Transaction tx, String path, String value) throws XenstoreException {
        change(domid, tx, new Op(Op.WRITE, Paths.canonical(domid, path), value, null));
    }

    public void mkdir(int domid, Transaction tx, String path) throws XenstoreException {
        change(domid, tx, new Op(Op.MKDIR, Paths.canonical(domid, path), "", null));
    }

    public void rm(int domid, Transaction tx, String path) throws XenstoreException {
        change(domid, tx, new Op(Op.RM, Paths.canonical(domid, path), null, null));
    }

    public void setPermissions(int domid, Transaction tx, String path, List<String> perms) throws XenstoreException {
        change(domid, tx, new Op(Op.SET_PERMS, Paths.canonical(domid, path), null, Perm.parse(perms)));
    }

    private void change(int domid, Transaction tx, Op op) throws XenstoreException {
        List<Object[]> changes;
        synchronized (this) {
            Tree t = tree(tx);
            if (tx != null) {
                // the node and every ancestor up to the first that exists: what a creation touches
                String p = op.path;
                note(tx, p);
                while (!p.equals("/") && lookup(tx.base, p) == null) {
                    p = Paths.parent(p);
                    note(tx, p);
                }
                note(tx, Paths.parent(op.path));
            }
            apply(t, domid, op);
            if (tx != null) {
                tx.ops.add(op);
                return;
            }
            changes = t.changes;
        }
        fire(changes);
    }

    private void apply(Tree t, int domid, Op op) throws XenstoreException {
        switch (op.kind) {
            case Op.WRITE, Op.MKDIR -> {
                if (op.value.length() > quotas.valueSize() && domid != 0) {
                    throw new XenstoreException("ENOSPC", "value of " + op.value.length() + " bytes is over the "
                            + quotas.valueSize() + "-byte quota");
                }
                Node n = lookup(t.root, op.path);
                if (n == null) {
                    create(t, domid, op.path, op.value);
                } else if (op.kind == Op.WRITE) {
                    require(t, domid, op.path, Perm.WRITE);
                    n.value = op.value;
                    n.generation = ++generation;
                    changed(t, op.path, n.perms);
                }
            }
            case Op.RM -> remove(t, domid, op.path);
            case Op.SET_PERMS -> {
                Node n = lookup(t.root, op.path);
                if (n == null) throw new XenstoreException("ENOENT", "no node " + Paths.shorten(op.path));
                if (domid != 0 && n.owner() != domid) {
                    throw new XenstoreException("EACCES", "domain " + domid + " does not own " + Paths.shorten(op.path));
                }
                t.counts.merge(n.owner(), -1, Integer::sum);
                t.counts.merge(op.perms.get(0).domid(), 1, Integer::sum);
                n.perms = op.perms;
                n.generation = ++generation;
                changed(t, op.path, n.perms);
            }
            default -> throw new IllegalStateException("op " + op.kind);
        }
    }

    /** Creates {@code abs} and its missing parents with the nearest existing ancestor's permissions. */
    private void create(Tree t, int domid, String abs, String value) throws XenstoreException {
        List<String> missing = new ArrayList<>();
        String p = abs;
        while (lookup(t.root, p) == null) {
            missing.add(0, p);
            p = Paths.parent(p);
        }
        Node ancestor = require(t, domid, p, Perm.WRITE);
        List<Perm> perms = ancestor.perms;
        if (domid != 0 && perms.get(0).domid() != domid) {
            List<Perm> own = new ArrayList<>(perms);
            own.set(0, new Perm(perms.get(0).access(), domid));
            perms = List.copyOf(own);
        }
        int owner = perms.get(0).domid();
        if (owner != 0 && t.counts.getOrDefault(owner, 0) + missing.size() > quotas.nodes()) {
            throw new XenstoreException("ENOSPC", "domain " + owner + " would own more than its quota of "
                    + quotas.nodes() + " nodes");
        }
        Node parent = ancestor;
        parent.generation = ++generation;
        for (String m : missing) {
            Node n = new Node(m.equals(abs) ? value : "", perms, ++generation);
            parent.children.put(m.substring(m.lastIndexOf('/') + 1), n);
            t.counts.merge(owner, 1, Integer::sum);
            changed(t, m, perms);
            parent = n;
        }
    }

    private void remove(Tree t, int domid, String abs) throws XenstoreException {
        if (abs.equals("/")) throw new XenstoreException("EINVAL", "the root cannot be removed");
        Node n = lookup(t.root, abs);
        if (n == null) {
            if (lookup(t.root, Paths.parent(abs)) != null) return; // xenstored: fine if the parent exists
            throw new XenstoreException("ENOENT", "no node " + Paths.shorten(abs));
        }
        require(t, domid, abs, Perm.WRITE);
        Node parent = lookup(t.root, Paths.parent(abs));
        parent.children.remove(abs.substring(abs.lastIndexOf('/') + 1));
        parent.generation = ++generation;
        Map<Integer, Integer> gone = new HashMap<>();
        n.count(gone);
        gone.forEach((owner, k) -> t.counts.merge(owner, -k, Integer::sum));
        if (t.changes != null) t.changes.add(new Object[] {abs, n.perms, Boolean.TRUE});
    }

    private static void changed(Tree t, String abs, List<Perm> perms) {
        if (t.changes != null) t.changes.add(new Object[] {abs, perms, Boolean.FALSE});
    }

    // ------------------------------------------------------------------ transactions

    public synchronized Transaction begin(int domid) throws XenstoreException {
        int open = openTransactions.getOrDefault(domid, 0);
        if (domid != 0 && open >= quotas.transactions()) {
            throw new XenstoreException("ENOSPC", "domain " + domid + " has its quota of " + quotas.transactions()
                    + " transactions open");
        }
        openTransactions.put(domid, open + 1);
        Transaction tx = new Transaction(domid);
        tx.root = root.deepCopy();
        tx.base = root.deepCopy();
        tx.counts = new HashMap<>(counts);
        return tx;
    }

    /** XS_TRANSACTION_END "T": false (EAGAIN) if a node the transaction touched changed meanwhile. */
    public boolean commit(Transaction tx) throws XenstoreException {
        List<Object[]> changes = new ArrayList<>();
        synchronized (this) {
            end(tx);
            for (Map.Entry<String, Long> e : tx.seen.entrySet()) {
                Node n = lookup(root, e.getKey());
                if ((n == null ? -1L : n.generation) != e.getValue()) return false;
            }
            Tree t = new Tree(root.deepCopy(), new HashMap<>(counts), changes);
            for (Op op : tx.ops) {
                apply(t, tx.domid, op); // the nodes are as the transaction saw them: the same outcome
            }
            root = t.root;
            counts = t.counts;
        }
        fire(changes);
        return true;
    }

    /** XS_TRANSACTION_END "F" (idempotent). */
    public synchronized void abort(Transaction tx) {
        if (tx.open) {
            try {
                end(tx);
            } catch (XenstoreException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    private void end(Transaction tx) throws XenstoreException {
        if (!tx.open) throw new XenstoreException("ENOENT", "transaction already ended");
        tx.open = false;
        openTransactions.merge(tx.domid, -1, Integer::sum);
    }

    // ------------------------------------------------------------------ watches

    /** XS_WATCH: registers and queues the initial event (path as given, the token). */
    public Watch watch(int domid, String path, String token, XenstoreWatcher watcher) throws XenstoreException {
        boolean special = path.equals("@introduceDomain") || path.equals("@releaseDomain");
        String abs = special ? path : Paths.canonical(domid, path);
        Watch w;
        synchronized (this) {
            long mine = watches.stream().filter(x -> x.domid == domid).count();
            if (domid != 0 && mine >= quotas.watches()) {
                throw new XenstoreException("E2BIG", "domain " + domid + " has its quota of " + quotas.watches()
                        + " watches");
            }
            for (Watch x : watches) {
                if (x.domid == domid && x.path.equals(abs) && x.token.equals(token) && x.watcher == watcher) {
                    throw new XenstoreException("EEXIST", "watch " + Paths.shorten(path) + " with that token exists");
                }
            }
            w = new Watch(domid, abs, token, !special && path.charAt(0) != '/', watcher);
            watches.add(w);
        }
        Watch first = w;
        delivery.execute(() -> first.watcher.fired(first.eventPath(first.path), first.token));
        return w;
    }

    /**
     * Fires the special watch {@code @introduceDomain} or {@code @releaseDomain} (a domain was
     * introduced or released), with the special name as the event path. Only Domain-0's
     * watchers hear it: the special nodes' permissions are xenstored's default {@code n0}.
     */
    public void fireSpecial(String special) {
        if (!special.equals("@introduceDomain") && !special.equals("@releaseDomain")) {
            throw new IllegalArgumentException("not a special watch path: " + special);
        }
        List<Runnable> events = new ArrayList<>();
        synchronized (this) {
            for (Watch w : watches) {
                if (w.domid == 0 && w.path.equals(special)) {
                    events.add(() -> w.watcher.fired(special, w.token));
                }
            }
        }
        events.forEach(delivery::execute);
    }

    /** XS_UNWATCH (a watch already removed: nothing). */
    public synchronized void unwatch(Watch w) {
        watches.remove(w);
    }

    /** Watches and open transactions of {@code domid} (tests, xenstore-control). */
    public synchronized int watchCount(int domid) {
        return (int) watches.stream().filter(x -> x.domid == domid).count();
    }

    /** Nodes {@code domid} owns. */
    public synchronized int nodeCount(int domid) {
        return counts.getOrDefault(domid, 0);
    }

    private void fire(List<Object[]> changes) {
        if (changes.isEmpty()) return;
        List<Runnable> events = new ArrayList<>();
        synchronized (this) {
            for (Object[] c : changes) {
                String abs = (String) c[0];
                @SuppressWarnings("unchecked")
                List<Perm> perms = (List<Perm>) c[1];
                boolean removed = (Boolean) c[2];
                for (Watch w : watches) {
                    if ((Perm.access(perms, w.domid) & Perm.READ) == 0) continue;
                    String ev;
                    if (Paths.covers(w.path, abs)) ev = abs;
                    else if (removed && Paths.covers(abs, w.path)) ev = w.path; // a watched node went with its parent
                    else continue;
                    if (w.relative && !Paths.covers(Paths.domainPath(w.domid), ev)) continue;
                    String path = w.eventPath(ev);
                    events.add(() -> w.watcher.fired(path, w.token));
                }
            }
        }
        events.forEach(delivery::execute);
    }
}
