package org.oxen.io.xenstore.store;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;
import org.oxen.vmm.api.backend.XenstoreWatcher;

/**
 * A Domain-0 connection to the {@link Store} (what a Java backend gets from the Xenstore
 * service). Closing it removes its watches and aborts its open transactions, as xenstored does
 * when a connection goes. Thread-safe: the store serialises the operations.
 */
public final class Dom0Client implements XenstoreClient {

    private final Store store;
    private final Set<Store.Watch> watches = ConcurrentHashMap.newKeySet();
    private final Set<Store.Transaction> transactions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public Dom0Client(Store store) {
        this.store = store;
    }

    private void open() throws XenstoreException {
        if (closed) throw new XenstoreException("EINVAL", "connection closed");
    }

    @Override
    public Optional<String> read(String path) throws XenstoreException {
        open();
        return store.read(0, null, path);
    }

    @Override
    public void write(String path, String value) throws XenstoreException {
        open();
        store.write(0, null, path, value);
    }

    @Override
    public void mkdir(String path) throws XenstoreException {
        open();
        store.mkdir(0, null, path);
    }

    @Override
    public void rm(String path) throws XenstoreException {
        open();
        store.rm(0, null, path);
    }

    @Override
    public List<String> directory(String path) throws XenstoreException {
        open();
        return store.directory(0, null, path);
    }

    @Override
    public List<String> permissions(String path) throws XenstoreException {
        open();
        return store.permissions(0, null, path);
    }

    @Override
    public void setPermissions(String path, List<String> permissions) throws XenstoreException {
        open();
        store.setPermissions(0, null, path, permissions);
    }

    @Override
    public AutoCloseable watch(String path, String token, XenstoreWatcher watcher) throws XenstoreException {
        open();
        Store.Watch w = store.watch(0, path, token, watcher);
        watches.add(w);
        return () -> {
            watches.remove(w);
            store.unwatch(w);
        };
    }

    @Override
    public XenstoreTransaction transaction() throws XenstoreException {
        open();
        Store.Transaction tx = store.begin(0);
        transactions.add(tx);
        return new XenstoreTransaction() {
            @Override
            public Optional<String> read(String path) throws XenstoreException {
                return store.read(0, tx, path);
            }

            @Override
            public void write(String path, String value) throws XenstoreException {
                store.write(0, tx, path, value);
            }

            @Override
            public void mkdir(String path) throws XenstoreException {
                store.mkdir(0, tx, path);
            }

            @Override
            public void rm(String path) throws XenstoreException {
                store.rm(0, tx, path);
            }

            @Override
            public List<String> directory(String path) throws XenstoreException {
                return store.directory(0, tx, path);
            }

            @Override
            public List<String> permissions(String path) throws XenstoreException {
                return store.permissions(0, tx, path);
            }

            @Override
            public void setPermissions(String path, List<String> permissions) throws XenstoreException {
                store.setPermissions(0, tx, path, permissions);
            }

            @Override
            public boolean commit() throws XenstoreException {
                transactions.remove(tx);
                return store.commit(tx);
            }

            @Override
            public void abort() {
                transactions.remove(tx);
                store.abort(tx);
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        watches.forEach(store::unwatch);
        watches.clear();
        transactions.forEach(store::abort);
        transactions.clear();
    }
}
