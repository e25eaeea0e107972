package org.oxen.pool.internal;

/**
 * Where a pool lives in ZooKeeper (the one copy of the layout; docs in the bundle README):
 *
 * <pre>
 * /oxen/pools/POOL            the pool (ACL: the pool secret's digest when the pool has one)
 *   hosts/HOST                ephemeral, one per runtime: a {@link HostRecord}
 *   domains/NAME              persistent, one per pool domain: a {@link DomainRecord}
 *   master/                   Curator LeaderLatch: the pool master's election
 * </pre>
 */
public record PoolPaths(String pool) {

    public static final String ROOT = "/oxen/pools";

    public String base() {
        return ROOT + "/" + pool;
    }

    public String hosts() {
        return base() + "/hosts";
    }

    public String host(String name) {
        return hosts() + "/" + name;
    }

    public String domains() {
        return base() + "/domains";
    }

    public String domain(String name) {
        return domains() + "/" + name;
    }

    public String master() {
        return base() + "/master";
    }

    /** The last segment of {@code path}. */
    public static String leaf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
