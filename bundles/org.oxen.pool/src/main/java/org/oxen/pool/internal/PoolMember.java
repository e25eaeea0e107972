package org.oxen.pool.internal;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.oxen.pool.internal.RecordCodec.CorruptRecordException;

/**
 * This runtime's membership of a pool: its ZooKeeper session (Curator), its ephemeral host node,
 * its part in the master election, the pool's state cached from ZooKeeper, and the work each
 * host does for itself ({@link Reconciler}) and the master does for the pool ({@link PoolMaster}).
 *
 * <p>Design: ZooKeeper holds what should be (domain records: which host runs what, from which
 * config); each host makes its own part true (creates what is placed on it, deletes the record
 * of a domain that ended, migrates what is asked to move), and the master moves the domains of
 * hosts whose session expired. Requests between runtimes are writes to those records, so every
 * request is authenticated by ZooKeeper with the pool secret (digest ACL on every pool node).
 *
 * <p>Fencing (the rule; tested by {@code FencingTest}): a host that loses touch with ZooKeeper
 * (Curator SUSPENDED: no answer for 2/3 of the session timeout) pauses every pool domain it runs
 * at once; the ensemble expires its session only after the whole timeout, and only then does the
 * master restart its restartable domains elsewhere. When Curator declares the session LOST the
 * host destroys its restartable pool domains (they run elsewhere now) and keeps the others
 * paused; if the same session comes back (RECONNECTED after SUSPENDED) it unpauses them. So a
 * domain never runs on two hosts at once, as long as a host's JVM is not stalled for a third of
 * the session timeout.
 *
 * <p>Locking: one worker thread does all reconciling, master work and publishing (tasks on
 * {@link #worker}); Curator's event thread only fences and schedules. Shared sets are concurrent.
 */
public final class PoolMember implements AutoCloseable {

    /** The digest user of the pool secret. */
    static final String DIGEST_USER = "oxen";

    private final PoolSettings settings;
    private final PoolPaths paths;
    private final LocalHost local;
    private final PrintStream log;
    private final ScheduledExecutorService worker;
    private CuratorFramework client;
    private CuratorCache hostsCache;
    private CuratorCache domainsCache;
    private LeaderLatch latch;
    private Reconciler reconciler;
    private PoolMaster master;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile byte[] published;
    /** Pool domains this host paused while it had no contact (fencing). */
    final Set<String> fencedPaused = ConcurrentHashMap.newKeySet();
    private volatile ConnectionState lastState = ConnectionState.CONNECTED;
    private volatile boolean closed;
    /** Whether this session has created this host's node (false after a lost session until it has). */
    private volatile boolean registered = true;

    public PoolMember(PoolSettings settings, LocalHost local, PrintStream log) {
        this.settings = settings;
        this.paths = new PoolPaths(settings.pool());
        this.local = local;
        this.log = log;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "oxen-pool-" + settings.pool());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects, checks the pool secret, joins as {@link PoolSettings#host()} and starts the
     * work. On a refusal nothing of this runtime is left in ZooKeeper.
     *
     * @throws PoolException naming the pool and why this runtime may not join it
     */
    public void start() throws PoolException {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                .connectString(settings.connect())
                .sessionTimeoutMs(settings.sessionMillis())
                .connectionTimeoutMs(Math.min(settings.sessionMillis(), 15_000))
                .retryPolicy(new ExponentialBackoffRetry(200, 5, 2000))
                .aclProvider(aclProvider());
        if (settings.tls() != null) {
            b.zkClientConfig(settings.tls().clientConfig());
        }
        if (settings.secret() != null) {
            b.authorization("digest", (DIGEST_USER + ":" + settings.secret()).getBytes(StandardCharsets.UTF_8));
        }
        client = b.build();
        client.start();
        try {
            if (!client.blockUntilConnected(Math.max(settings.sessionMillis(), 10_000), TimeUnit.MILLISECONDS)) {
                throw new PoolException("pool " + settings.pool() + ": no ZooKeeper answers at " + settings.connect());
            }
            checkSecret();
            try {
                client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                        .forPath(paths.host(settings.host()), hostRecord().encode());
            } catch (KeeperException.NodeExistsException e) {
                throw new PoolException("pool " + settings.pool() + " refused this runtime: the host name "
                        + settings.host() + " is taken (another runtime holds " + paths.host(settings.host())
                        + "); set oxen.pool.host");
            }
            client.createContainers(paths.domains());
        } catch (PoolException e) {
            client.close();
            throw e;
        } catch (Exception e) {
            client.close();
            throw new PoolException("pool " + settings.pool() + ": cannot join through ZooKeeper at "
                    + settings.connect() + ": " + e, e);
        }
        reconciler = new Reconciler(this, local, log);
        master = new PoolMaster(this, log);
        hostsCache = CuratorCache.build(client, paths.hosts());
        domainsCache = CuratorCache.build(client, paths.domains());
        hostsCache.listenable().addListener((type, oldData, data) -> schedule());
        domainsCache.listenable().addListener((type, oldData, data) -> schedule());
        client.getConnectionStateListenable().addListener((c, state) -> connectionChanged(state));
        hostsCache.start();
        domainsCache.start();
        latch = new LeaderLatch(client, paths.master(), settings.host());
        latch.addListener(new org.apache.curator.framework.recipes.leader.LeaderLatchListener() {
            @Override
            public void isLeader() {
                log.println("pool " + settings.pool() + ": " + settings.host() + " is the pool master");
                schedule();
            }

            @Override
            public void notLeader() {
                // the next master takes over; nothing to undo
            }
        });
        try {
            latch.start();
        } catch (Exception e) {
            close();
            throw new PoolException("pool " + settings.pool() + ": cannot enter the master election: " + e);
        }
        worker.scheduleWithFixedDelay(this::tick, 1000, 1000, TimeUnit.MILLISECONDS);
        log.println("pool " + settings.pool() + ": " + settings.host() + " joined (ZooKeeper " + settings.connect()
                + (settings.tls() != null ? " over TLS" : "") + ", " + (settings.secret() != null ? "pool secret" : "open pool, no secret") + ")");
    }

    private ACLProvider aclProvider() {
        List<ACL> pool;
        if (settings.secret() != null) {
            try {
                // a mutable list: ZooKeeper's validateACL asks contains(null), which List.of refuses
                pool = new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest",
                        DigestAuthenticationProvider.generateDigest(DIGEST_USER + ":" + settings.secret())))));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        } else {
            pool = ZooDefs.Ids.OPEN_ACL_UNSAFE;
        }
        String base = paths.base();
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return ZooDefs.Ids.OPEN_ACL_UNSAFE;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                return path.equals(base) || path.startsWith(base + "/") ? pool : ZooDefs.Ids.OPEN_ACL_UNSAFE;
            }
        };
    }

    /** Creates the pool when it does not exist; refuses a runtime whose secret is not the pool's. */
    private void checkSecret() throws Exception {
        String base = paths.base();
        try {
            client.create().creatingParentsIfNeeded().forPath(base);
        } catch (KeeperException.NodeExistsException e) {
            // an existing pool: its ACL decides
        }
        List<ACL> acl;
        try {
            acl = client.getACL().forPath(base);
            client.getChildren().forPath(base);
        } catch (KeeperException.NoAuthException e) {
            throw new PoolException("pool " + settings.pool() + " refused this runtime: "
                    + (settings.secret() == null ? "the pool has a secret and this runtime has no oxen.pool.secret"
                            : "wrong pool secret")
                    + " (ZooKeeper: not authorised to read " + base + ")");
        }
        boolean open = acl.stream().anyMatch(a -> a.getId().getScheme().equals("world"));
        if (open && settings.secret() != null) {
            throw new PoolException("pool " + settings.pool() + " refused this runtime: the pool is open (it has no"
                    + " secret) but this runtime has oxen.pool.secret");
        }
    }

    // ------------------------------------------------------------------------------------ views

    public PoolSettings settings() {
        return settings;
    }

    public PoolPaths paths() {
        return paths;
    }

    public CuratorFramework client() {
        return client;
    }

    /** A host node decoded, with the zxid of the write it decodes (so it is decoded once per write). */
    private record DecodedHost(long mzxid, HostRecord record) {
    }

    /** Host records decoded from the cache, by path. */
    private final Map<String, DecodedHost> decodedHosts = new ConcurrentHashMap<>();

    /** The live hosts, by name; a host node that cannot be read is left out (and reported by the master). */
    public Map<String, HostRecord> hosts() {
        Map<String, HostRecord> out = new TreeMap<>();
        for (ChildData c : children(hostsCache, paths.hosts())) {
            long mzxid = c.getStat().getMzxid();
            DecodedHost d = decodedHosts.get(c.getPath());
            if (d == null || d.mzxid() != mzxid) {
                try {
                    d = new DecodedHost(mzxid, HostRecord.decode(c.getPath(), c.getData()));
                    decodedHosts.put(c.getPath(), d);
                } catch (CorruptRecordException e) {
                    continue; // reported by the master's scan
                }
            }
            out.put(PoolPaths.leaf(c.getPath()), d.record());
        }
        decodedHosts.keySet().removeIf(p -> !out.containsKey(PoolPaths.leaf(p)));
        return out;
    }

    /** One pool domain node: its record, or why it cannot be read. */
    public record DomainNode(String name, DomainRecord record, String corruption, int version, long created) {
    }

    /** Every domain node, by name. */
    public Map<String, DomainNode> domainNodes() {
        Map<String, DomainNode> out = new TreeMap<>();
        for (ChildData c : children(domainsCache, paths.domains())) {
            String name = PoolPaths.leaf(c.getPath());
            Stat s = c.getStat();
            try {
                out.put(name, new DomainNode(name, DomainRecord.decode(c.getPath(), c.getData()), null,
                        s.getVersion(), s.getCzxid()));
            } catch (CorruptRecordException e) {
                out.put(name, new DomainNode(name, null, e.getMessage(), s.getVersion(), s.getCzxid()));
            }
        }
        return out;
    }

    /** The readable domain records. */
    public List<DomainRecord> domains() {
        List<DomainRecord> out = new ArrayList<>();
        domainNodes().values().forEach(n -> {
            if (n.record() != null) {
                out.add(n.record());
            }
        });
        return out;
    }

    private static Collection<ChildData> children(CuratorCache cache, String parent) {
        List<ChildData> out = new ArrayList<>();
        if (cache == null) {
            return out;
        }
        cache.stream().forEach(c -> {
            String p = c.getPath();
            if (p.startsWith(parent + "/") && p.indexOf('/', parent.length() + 1) < 0) {
                out.add(c);
            }
        });
        return out;
    }

    /** The master's host name, if one is elected. */
    public Optional<String> masterName() {
        try {
            String id = latch.getLeader().getId();
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** The live host with the most room for {@code memoryMiB} ({@link Placement}). */
    public Optional<String> choosePlacement(long memoryMiB) {
        return Placement.choose(hosts(), domains(), memoryMiB, null);
    }

    public boolean isMaster() {
        return latch != null && latch.hasLeadership();
    }

    // ----------------------------------------------------------------------------------- writes

    /** Adds a domain record; false when the name is taken in the pool. */
    public boolean createDomain(DomainRecord r) throws Exception {
        try {
            client.create().forPath(paths.domain(r.name()), r.encode());
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        }
    }

    /**
     * Rewrites a record if it is still at {@code version}; false when it changed or went meanwhile
     * (the caller decides again from the new state).
     */
    boolean updateDomain(DomainRecord r, int version) throws Exception {
        try {
            client.setData().withVersion(version).forPath(paths.domain(r.name()), r.encode());
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            return false;
        }
    }

    /**
     * Asks the owner of {@code name} to move it to {@code target}, live (pre-copied while it runs)
     * or suspended first (read-modify-write with retries).
     */
    public void requestMigration(String name, String target, boolean live) throws Exception {
        for (int i = 0; i < 10; i++) {
            Stat stat = new Stat();
            byte[] data = client.getData().storingStatIn(stat).forPath(paths.domain(name));
            DomainRecord r = DomainRecord.decode(paths.domain(name), data);
            if (updateDomain(r.migratingTo(target, live), stat.getVersion())) {
                return;
            }
        }
        throw new PoolException("the record of " + name + " keeps changing; try again");
    }

    /** Deletes a domain record (its host then destroys the domain); false when there was none. */
    public boolean deleteDomain(String name, int version) throws Exception {
        try {
            client.delete().withVersion(version).forPath(paths.domain(name));
            return true;
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            return false;
        }
    }

    /** The record of {@code name} read afresh, or null when it is absent or corrupt (tests). */
    DomainRecord readDomainQuietly(String name) {
        try {
            return readDomain(name).map(DomainNode::record).orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    /** Reads one domain node afresh from ZooKeeper (not the cache). */
    public Optional<DomainNode> readDomain(String name) throws Exception {
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(paths.domain(name));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DomainNode(name, DomainRecord.decode(paths.domain(name), data), null,
                    stat.getVersion(), stat.getCzxid()));
        } catch (CorruptRecordException e) {
            return Optional.of(new DomainNode(name, null, e.getMessage(), stat.getVersion(), stat.getCzxid()));
        }
    }

    // ------------------------------------------------------------------------------------ work

    /** Asks the worker to run soon (coalesced). */
    public void schedule() {
        if (!closed && scheduled.compareAndSet(false, true)) {
            worker.execute(this::tick);
        }
    }

    private void tick() {
        scheduled.set(false);
        if (closed || lastState == ConnectionState.SUSPENDED || lastState == ConnectionState.LOST) {
            return;
        }
        try {
            if (!ensureRegistered()) {
                return; // not a member again yet: run nothing placed here
            }
            publish();
            reconciler.run();
            publish();
            if (isMaster()) {
                master.run();
            }
        } catch (Exception e) {
            if (!closed) {
                log.println("pool " + settings.pool() + ": " + settings.host() + ": " + e);
            }
        }
    }

    HostRecord hostRecord() {
        return new HostRecord(settings.host(), local.migrationAddress(), local.freeMiB(), local.totalMiB(),
                local.pcpus(), local.listRows(), local.topRows());
    }

    /** Rewrites this host's node when its record changed. */
    private void publish() throws Exception {
        byte[] now = hostRecord().encode();
        if (published == null || !java.util.Arrays.equals(now, published)) {
            try {
                client.setData().forPath(paths.host(settings.host()), now);
                published = now;
            } catch (KeeperException.NoNodeException e) {
                // re-created after a lost session (connectionChanged)
            }
        }
    }

    private void connectionChanged(ConnectionState state) {
        ConnectionState before = lastState;
        lastState = state;
        switch (state) {
            case SUSPENDED -> {
                for (String name : reconciler.launchedNames()) {
                    if (local.domainNames().contains(name)) {
                        local.pause(name);
                        fencedPaused.add(name);
                    }
                }
                log.println("pool " + settings.pool() + ": " + settings.host() + " lost touch with ZooKeeper: "
                        + fencedPaused.size() + " pool domain(s) paused until it answers (fencing)");
            }
            case LOST -> {
                Map<String, DomainRecord> known = new HashMap<>();
                domains().forEach(r -> known.put(r.name(), r));
                int destroyed = 0;
                for (String name : List.copyOf(fencedPaused)) {
                    DomainRecord r = known.get(name);
                    if (r != null && r.restart()) {
                        local.destroy(name);
                        fencedPaused.remove(name);
                        reconciler.forget(name);
                        destroyed++;
                    }
                }
                log.println("pool " + settings.pool() + ": " + settings.host() + "'s ZooKeeper session is lost: "
                        + destroyed + " restartable pool domain(s) destroyed (the master restarts them elsewhere), "
                        + fencedPaused.size() + " left paused");
            }
            case RECONNECTED -> {
                if (before == ConnectionState.SUSPENDED) {
                    for (String name : List.copyOf(fencedPaused)) {
                        local.unpause(name);
                        fencedPaused.remove(name);
                    }
                    log.println("pool " + settings.pool() + ": " + settings.host()
                            + " is back in touch with ZooKeeper (same session): pool domains unpaused");
                } else {
                    rejoin();
                }
                schedule();
            }
            default -> schedule();
        }
    }

    /**
     * After a lost session: the host node again, under the new session, once the old session's
     * node is gone (a restarted ensemble expires old sessions only after their timeout).
     */
    private void rejoin() {
        published = null;
        registered = false;
    }

    /** Creates this host's node if this session has none yet; true when it has one. */
    private boolean ensureRegistered() throws Exception {
        if (registered) {
            return true;
        }
        String path = paths.host(settings.host());
        try {
            client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path,
                    hostRecord().encode());
        } catch (KeeperException.NodeExistsException e) {
            Stat stat = client.checkExists().forPath(path);
            long session = client.getZookeeperClient().getZooKeeper().getSessionId();
            if (stat == null || stat.getEphemeralOwner() != session) {
                return false; // the old session's node: wait for the ensemble to expire it
            }
        }
        registered = true;
        log.println("pool " + settings.pool() + ": " + settings.host() + " joined again with a new session");
        return true;
    }

    /**
     * Leaves the pool (the runtime stops, or this bundle is stopped or updated). Leaving ends the
     * session, so the master restarts this host's restartable pool domains elsewhere: they are
     * destroyed here first, as at a lost session, or they would run twice. The others go on
     * here; the master marks them lost, and this host takes them back when it joins again.
     */
    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reconciler != null) {
            reconciler.close();
            Map<String, DomainRecord> known = new HashMap<>();
            domains().forEach(r -> known.put(r.name(), r));
            int destroyed = 0;
            for (String name : reconciler.launchedNames()) {
                DomainRecord r = known.get(name);
                if (r != null && r.restart() && local.domainNames().contains(name)) {
                    local.destroy(name);
                    destroyed++;
                }
            }
            if (destroyed > 0) {
                log.println("pool " + settings.pool() + ": " + settings.host() + " leaves the pool: " + destroyed
                        + " restartable pool domain(s) destroyed here (the master restarts them elsewhere)");
            }
        }
        for (AutoCloseable c : new AutoCloseable[] {latch, hostsCache, domainsCache}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing anyway
            }
        }
        if (client != null) {
            client.close();
        }
    }

    /** A refusal to join, or a pool request that cannot be done, in words for the user. */
    public static final class PoolException extends Exception {
        private static final long serialVersionUID = 1L;

        public PoolException(String message) {
            super(message);
        }

        public PoolException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
