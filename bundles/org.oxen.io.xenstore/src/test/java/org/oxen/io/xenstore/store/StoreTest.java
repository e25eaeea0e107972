package org.oxen.io.xenstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;
import org.oxen.vmm.api.backend.XenstoreWatcher;

/** The store as xenstore.txt describes it, for Domain-0 and for unprivileged domains 5 and 6. */
class StoreTest {

    private final Store store = new Store(Quotas.XENSTORED);

    @AfterEach
    void close() {
        store.close();
    }

    private static void fails(String error, Executable e) {
        XenstoreException x = assertThrows(XenstoreException.class, e);
        assertEquals(error, x.error(), x.getMessage());
    }

    /** Domain 5's home as libxl makes it: owned by 5, nobody else may read. */
    private void home(int domid) throws XenstoreException {
        store.mkdir(0, null, "/local/domain/" + domid);
        store.setPermissions(0, null, "/local/domain/" + domid, List.of("n" + domid));
    }

    @Test
    void nodesPathsAndRemoval() throws Exception {
        store.write(0, null, "/a/b/c", "v");
        assertEquals(Optional.of("v"), store.read(0, null, "/a/b/c"));
        assertEquals(Optional.of(""), store.read(0, null, "/a/b"), "parents are created empty");
        store.write(0, null, "/a/b/a", "1");
        assertEquals(List.of("a", "c"), store.directory(0, null, "/a/b"));
        assertEquals(Optional.empty(), store.read(0, null, "/a/x"));
        store.rm(0, null, "/a/x"); // missing, but its parent exists: fine
        fails("ENOENT", () -> store.rm(0, null, "/nope/x"));
        fails("ENOENT", () -> store.directory(0, null, "/nope"));
        store.rm(0, null, "/a/b");
        assertEquals(List.of(), store.directory(0, null, "/a"));
        fails("EINVAL", () -> store.rm(0, null, "/"));
        fails("EINVAL", () -> store.write(0, null, "/a/", "x"));
        fails("EINVAL", () -> store.write(0, null, "/a//b", "x"));
        fails("EINVAL", () -> store.write(0, null, "/a/b c", "x"));
        fails("EINVAL", () -> store.write(0, null, "/" + "a".repeat(Paths.ABS_PATH_MAX), "x"));
        fails("EINVAL", () -> store.write(5, null, "a".repeat(Paths.REL_PATH_MAX + 1), "x"));
        assertEquals(List.of("local", "tool", "vm"), store.directory(0, null, "/").stream().filter(s -> !s.equals("a")).toList());
    }

    @Test
    void permissionsAsXenstoreTxt() throws Exception {
        home(5);
        home(6);
        store.write(5, null, "data/x", "secret"); // relative: /local/domain/5/data/x
        assertEquals(Optional.of("secret"), store.read(0, null, "/local/domain/5/data/x"));
        assertEquals(List.of("n5"), store.permissions(5, null, "data/x"), "inherited from the parent");
        fails("EACCES", () -> store.read(6, null, "/local/domain/5/data/x"));
        fails("EACCES", () -> store.write(6, null, "/local/domain/5/data/x", "mine"));
        fails("EACCES", () -> store.write(6, null, "/local/domain/5/data/y", "mine")); // create needs write on the parent
        fails("EACCES", () -> store.setPermissions(6, null, "/local/domain/5/data/x", List.of("b6")));
        store.setPermissions(5, null, "data/x", List.of("n5", "r6"));
        assertEquals(Optional.of("secret"), store.read(6, null, "/local/domain/5/data/x"));
        fails("EACCES", () -> store.write(6, null, "/local/domain/5/data/x", "mine"));
        fails("EACCES", () -> store.write(5, null, "/local/domain/6/x", "poke"));
        fails("EACCES", () -> store.write(5, null, "/vm/x", "poke"));
        fails("EINVAL", () -> store.setPermissions(5, null, "data/x", List.of("q5")));
        fails("EINVAL", () -> store.setPermissions(5, null, "data/x", List.of()));
        // a node a domain creates in a directory it may write is its own
        store.mkdir(0, null, "/shared");
        store.setPermissions(0, null, "/shared", List.of("b0"));
        store.write(6, null, "/shared/from6", "hi");
        assertEquals(List.of("b6"), store.permissions(0, null, "/shared/from6"));
        assertEquals(2, store.nodeCount(6), "its home and the new node");
    }

    private static XenstoreWatcher into(BlockingQueue<String> q) {
        return (path, token) -> q.add(path + " " + token);
    }

    @Test
    void watchesWithTokensAndTheInitialEvent() throws Exception {
        home(5);
        BlockingQueue<String> dom0 = new LinkedBlockingQueue<>();
        BlockingQueue<String> dom5 = new LinkedBlockingQueue<>();
        Store.Watch w0 = store.watch(0, "/local/domain/5/device", "tok0", into(dom0));
        store.watch(5, "device", "tok5", into(dom5));
        assertEquals("/local/domain/5/device tok0", dom0.poll(5, TimeUnit.SECONDS), "the initial event");
        assertEquals("device tok5", dom5.poll(5, TimeUnit.SECONDS), "relative watch, relative path");
        store.write(0, null, "/local/domain/5/device/vif/0/state", "1");
        // creating three nodes: device, device/vif, .../0 and state fire in order
        assertEquals("/local/domain/5/device tok0", dom0.poll(5, TimeUnit.SECONDS));
        assertEquals("/local/domain/5/device/vif tok0", dom0.poll(5, TimeUnit.SECONDS));
        assertEquals("/local/domain/5/device/vif/0 tok0", dom0.poll(5, TimeUnit.SECONDS));
        assertEquals("/local/domain/5/device/vif/0/state tok0", dom0.poll(5, TimeUnit.SECONDS));
        assertEquals("device tok5", dom5.poll(5, TimeUnit.SECONDS));
        assertEquals("device/vif tok5", dom5.poll(5, TimeUnit.SECONDS));
        assertEquals("device/vif/0 tok5", dom5.poll(5, TimeUnit.SECONDS));
        assertEquals("device/vif/0/state tok5", dom5.poll(5, TimeUnit.SECONDS));
        store.write(0, null, "/local/domain/5/other", "x"); // outside both watches
        store.unwatch(w0);
        store.rm(0, null, "/local/domain/5"); // removing a parent fires the watch below it with the watch's path
        assertEquals("device tok5", dom5.poll(5, TimeUnit.SECONDS));
        assertNull(dom0.poll(200, TimeUnit.MILLISECONDS), "unwatched: " + dom0);
        assertNull(dom5.poll(200, TimeUnit.MILLISECONDS), "the unrelated write fired: " + dom5);
        fails("EINVAL", () -> store.watch(5, "bad//path", "t", into(dom5)));
    }

    @Test
    void aWatcherSeesOnlyWhatItMayRead() throws Exception {
        home(5);
        BlockingQueue<String> dom6 = new LinkedBlockingQueue<>();
        store.watch(6, "/local/domain/5", "snoop", into(dom6));
        assertEquals("/local/domain/5 snoop", dom6.poll(5, TimeUnit.SECONDS));
        store.write(5, null, "private", "x");
        assertNull(dom6.poll(200, TimeUnit.MILLISECONDS), "domain 6 saw a change it may not read: " + dom6);
    }

    @Test
    void transactionsSeeASnapshotAndCommitAllOrNothing() throws Exception {
        store.write(0, null, "/t/x", "1");
        Store.Transaction tx = store.begin(0);
        assertEquals(Optional.of("1"), store.read(0, tx, "/t/x"));
        store.write(0, tx, "/t/x", "2");
        store.write(0, tx, "/t/new/deep", "3");
        assertEquals(Optional.of("2"), store.read(0, tx, "/t/x"), "the transaction sees its own writes");
        assertEquals(Optional.of("1"), store.read(0, null, "/t/x"), "nobody else does before commit");
        assertEquals(Optional.empty(), store.read(0, null, "/t/new/deep"));
        assertTrue(store.commit(tx));
        assertEquals(Optional.of("2"), store.read(0, null, "/t/x"));
        assertEquals(Optional.of("3"), store.read(0, null, "/t/new/deep"));
        fails("ENOENT", () -> store.commit(tx));
        fails("ENOENT", () -> store.read(0, tx, "/t/x"));

        Store.Transaction aborted = store.begin(0);
        store.rm(0, aborted, "/t");
        store.abort(aborted);
        store.abort(aborted);
        assertEquals(Optional.of("2"), store.read(0, null, "/t/x"));
    }

    /**
     * Regression: a transaction that removes an existing directory and writes it again (the
     * toolstack's nodes of a domain whose /vm/uuid exists, as for a migration to the same host)
     * conflicted with itself on every commit: the nodes it wrote after its own rm were recorded as
     * absent, and the live tree had them.
     */
    @Test
    void aTransactionThatRemovesAndRewritesADirectoryCommits() throws Exception {
        store.write(0, null, "/vm/u/name", "old");
        store.write(0, null, "/vm/u/uuid", "u");
        Store.Transaction tx = store.begin(0);
        store.rm(0, tx, "/vm/u");
        store.mkdir(0, tx, "/vm/u");
        store.write(0, tx, "/vm/u/uuid", "u");
        store.write(0, tx, "/vm/u/name", "new");
        assertTrue(store.commit(tx), "no one else changed /vm/u");
        assertEquals(Optional.of("new"), store.read(0, null, "/vm/u/name"));

        Store.Transaction late = store.begin(0);
        store.rm(0, late, "/vm/u");
        store.write(0, late, "/vm/u/name", "late");
        store.write(0, null, "/vm/u/name", "meanwhile");
        assertFalse(store.commit(late), "a node it touched changed meanwhile: EAGAIN");
        assertEquals(Optional.of("meanwhile"), store.read(0, null, "/vm/u/name"));
    }

    @Test
    void aConflictingTransactionFailsWithEagainAndAppliesNothing() throws Exception {
        store.write(0, null, "/t/x", "1");
        Store.Transaction tx = store.begin(0);
        store.read(0, tx, "/t/x");
        store.write(0, tx, "/t/y", "from tx");
        store.write(0, null, "/t/x", "meanwhile");
        assertFalse(store.commit(tx), "EAGAIN");
        assertEquals(Optional.empty(), store.read(0, null, "/t/y"), "nothing of the transaction applied");

        Store.Transaction a = store.begin(0);
        Store.Transaction b = store.begin(0);
        store.write(0, a, "/u/v/w", "a");
        store.write(0, b, "/u/v/z", "b");
        assertTrue(store.commit(a));
        assertFalse(store.commit(b), "both created /u: the second conflicts");
        assertEquals(List.of("w"), store.directory(0, null, "/u/v"));
    }

    @Test
    void quotasStopAGuestNotDomain0() throws Exception {
        store.close();
        Store small = new Store(new Quotas(10, 16, 2, 1));
        try {
            small.mkdir(0, null, "/local/domain/5");
            small.setPermissions(0, null, "/local/domain/5", List.of("n5"));
            assertEquals(1, small.nodeCount(5));
            int i = 0;
            XenstoreException full = null;
            try {
                for (; i < 100; i++) small.write(5, null, "n" + i, "x");
            } catch (XenstoreException e) {
                full = e;
            }
            assertEquals(9, i, "its home and 9 more nodes");
            assertEquals("ENOSPC", full.error(), full.getMessage());
            assertEquals(10, small.nodeCount(5));
            fails("ENOSPC", () -> small.write(5, null, "a/b", "x"));
            assertEquals(10, small.nodeCount(5), "a refused creation leaves nothing");
            small.write(5, null, "n0", "y".repeat(16));
            fails("ENOSPC", () -> small.write(5, null, "n0", "y".repeat(17)));
            small.write(0, null, "/local/domain/0/big", "z".repeat(4000)); // Domain-0 has no quota
            small.rm(5, null, "n0");
            small.write(5, null, "again", "x");
            assertEquals(10, small.nodeCount(5));

            XenstoreWatcher none = (p, t) -> { };
            small.watch(5, "n1", "a", none);
            small.watch(5, "n2", "b", none);
            fails("E2BIG", () -> small.watch(5, "n3", "c", none));
            Store.Transaction t = small.begin(5);
            fails("ENOSPC", () -> small.begin(5));
            small.abort(t);
            small.abort(small.begin(5));
            for (int k = 0; k < 20; k++) small.abort(small.begin(0));
        } finally {
            small.close();
        }
    }

    @Test
    void closingADom0ClientDropsItsWatchesAndTransactions() throws Exception {
        Dom0Client c = new Dom0Client(store);
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        c.watch("/w", "t", into(q));
        assertEquals("/w t", q.poll(5, TimeUnit.SECONDS));
        XenstoreTransaction tx = c.transaction();
        tx.write("/w/x", "1");
        assertEquals(1, store.watchCount(0));
        c.close();
        assertEquals(0, store.watchCount(0));
        fails("ENOENT", tx::commit);
        fails("EINVAL", () -> c.read("/w"));
        new Dom0Client(store).write("/w/y", "2");
        assertNull(q.poll(200, TimeUnit.MILLISECONDS));
    }
}
