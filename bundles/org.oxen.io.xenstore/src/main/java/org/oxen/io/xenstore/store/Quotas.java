package org.oxen.io.xenstore.store;

/**
 * Per-domain limits of an unprivileged domain, xenstored's defaults: nodes it owns
 * (quota-nent 1000), value size (quota-max-entry-size 2048), watches (quota-nb-watch 128), open
 * transactions (quota-max-transaction 10). Domain-0 has none. Errors as current xenstored: nodes
 * and value size ENOSPC, watches E2BIG, transactions ENOSPC.
 */
public record Quotas(int nodes, int valueSize, int watches, int transactions) {

    public static final Quotas XENSTORED = new Quotas(1000, 2048, 128, 10);

    public Quotas {
        if (nodes < 1 || valueSize < 1 || watches < 1 || transactions < 1) {
            throw new IllegalArgumentException("quotas must be positive: " + nodes + ", " + valueSize + ", " + watches
                    + ", " + transactions);
        }
    }
}
