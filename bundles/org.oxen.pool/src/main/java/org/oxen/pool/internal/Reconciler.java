package org.oxen.pool.internal;

import java.io.PrintStream;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.oxen.pool.internal.PoolMember.DomainNode;

/**
 * A host's own part of the pool: makes the records placed on it true. For each record that
 * names this host: creates the domain if this host never ran it; deletes the record if this host
 * ran it and it has ended (poweroff, crash, xl destroy here); migrates it when the record asks
 * ({@code migrate_to}) and then hands the record to the target. A domain this host launched
 * whose record is gone or names another host is destroyed (xl destroy through the pool).
 *
 * <p>A migration (live ones take a while: pre-copy rounds) runs on its own thread, so the worker
 * goes on publishing this host and doing the master's work meanwhile; while it runs, the record
 * and the domain are left alone here (they are the migration's until it has handed the record on).
 *
 * <p>Locking: {@link #run} runs on the member's worker thread only; {@link #launched} is read by
 * the connection-state thread (fencing) and {@link #migrating} by the migration thread, so both
 * are concurrent.
 */
final class Reconciler {

    private final PoolMember member;
    private final LocalHost local;
    private final PrintStream log;
    /** Domains this host created or took over, by name: the record's creation zxid. */
    private final Map<String, Long> launched = new ConcurrentHashMap<>();
    /** Domains a migration thread is moving away now. */
    private final Set<String> migrating = ConcurrentHashMap.newKeySet();
    private final ExecutorService migrations;

    Reconciler(PoolMember member, LocalHost local, PrintStream log) {
        this.member = member;
        this.local = local;
        this.log = log;
        this.migrations = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "oxen-pool-migration-" + member.settings().pool());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Stops migrating: a migration under way is interrupted (xl migrate then resumes the domain
     * here), waiting a little for it to end.
     */
    void close() {
        migrations.shutdownNow();
        try {
            migrations.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Set<String> launchedNames() {
        return Set.copyOf(launched.keySet());
    }

    void forget(String name) {
        launched.remove(name);
    }

    void run() throws Exception {
        String me = member.settings().host();
        Map<String, DomainNode> nodes = member.domainNodes();
        Set<String> here = local.domainNames();
        for (DomainNode n : nodes.values()) {
            DomainRecord r = n.record();
            if (r == null || !r.host().equals(me) || migrating.contains(r.name())) {
                continue;
            }
            boolean runs = here.contains(r.name());
            Long mine = launched.get(r.name());
            boolean ranIt = mine != null && mine == n.created();
            if (r.state().equals(DomainRecord.LOST) && runs) {
                // back after a lost session with a domain nobody restarted: it goes on here
                member.updateDomain(r.with(DomainRecord.PLACED, ""), n.version());
                if (member.fencedPaused.remove(r.name())) {
                    local.unpause(r.name());
                }
                launched.put(r.name(), n.created());
                log.println("pool " + member.settings().pool() + ": " + r.name() + " goes on on " + me);
                continue;
            }
            if (!r.state().equals(DomainRecord.PLACED)) {
                continue;
            }
            if (runs && !r.migrateTo().isEmpty()) {
                startMigration(r, n);
            } else if (runs) {
                launched.put(r.name(), n.created()); // created here, or arrived by migration
                if (member.fencedPaused.remove(r.name())) {
                    local.unpause(r.name()); // paused while out of touch, still ours: it goes on
                }
            } else if (ranIt) {
                // it ended here: the pool forgets it, as xl forgets a destroyed domain
                if (member.deleteDomain(r.name(), n.version())) {
                    launched.remove(r.name());
                    log.println("pool " + member.settings().pool() + ": " + r.name() + " ended on " + me
                            + "; the pool forgets it");
                }
            } else if (r.migrateTo().isEmpty()) {
                create(r, n);
            }
            // a record asking to migrate that runs nowhere here: it left (the cache has not seen
            // the record name its target yet) or ended; never created again here
        }
        for (String name : launchedNames()) {
            if (migrating.contains(name)) {
                continue;
            }
            DomainNode n = nodes.get(name);
            boolean stillMine = n != null && n.record() != null && n.record().host().equals(me)
                    && n.created() == launched.getOrDefault(name, -1L);
            if (!stillMine) {
                launched.remove(name);
                if (local.domainNames().contains(name)) {
                    local.destroy(name);
                    log.println("pool " + member.settings().pool() + ": " + name + " destroyed on " + me
                            + " (its pool record is gone)");
                }
            }
        }
    }

    private void create(DomainRecord r, DomainNode n) throws Exception {
        try {
            local.create(r.name(), r.config(), r.directory());
            launched.put(r.name(), n.created());
            log.println("pool " + member.settings().pool() + ": " + r.name() + " created on " + r.host());
        } catch (Exception e) {
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            log.println("pool " + member.settings().pool() + ": " + r.name() + " refused on " + r.host() + ": " + why
                    + "; nothing created");
            member.updateDomain(r.with(DomainRecord.FAILED, why), n.version());
        }
    }

    /** Moves {@code r}'s domain on the migration thread, unless it is being moved already. */
    private void startMigration(DomainRecord r, DomainNode n) {
        if (!migrating.add(r.name())) {
            return;
        }
        try {
            migrations.execute(() -> {
                try {
                    migrate(r, n);
                } catch (Exception e) {
                    log.println("pool " + member.settings().pool() + ": " + r.name() + ": " + e);
                } finally {
                    migrating.remove(r.name());
                    member.schedule();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            migrating.remove(r.name());
        }
    }

    private void migrate(DomainRecord r, DomainNode n) throws Exception {
        String target = r.migrateTo();
        HostRecord t = member.hosts().get(target);
        String why = null;
        String how = "";
        if (t == null) {
            why = "no host " + target + " in pool " + member.settings().pool();
        } else if (t.migration().isEmpty()) {
            why = "host " + target + " has no migration receiver (oxen.migration.port)";
        } else {
            try {
                how = local.migrate(r.name(), t.migration(), r.migrateLive());
            } catch (Exception e) {
                why = "migration to " + target + " failed: " + e.getMessage();
            }
        }
        if (why == null) {
            launched.remove(r.name());
            // the target runs it now: the record follows (the target adopts it as running)
            if (!member.updateDomain(r.withHost(target, how), n.version())) {
                DomainNode fresh = member.readDomain(r.name()).orElse(null);
                if (fresh != null && fresh.record() != null) {
                    member.updateDomain(fresh.record().withHost(target, how), fresh.version());
                }
            }
            log.println("pool " + member.settings().pool() + ": " + r.name() + " migrated from " + r.host() + " to "
                    + target + " (" + how + ")");
        } else {
            log.println("pool " + member.settings().pool() + ": " + r.name() + ": " + why);
            if (!member.updateDomain(r.migratingTo("", false).with(r.state(), why), n.version())) {
                DomainNode fresh = member.readDomain(r.name()).orElse(null);
                if (fresh != null && fresh.record() != null) {
                    member.updateDomain(fresh.record().migratingTo("", false).with(fresh.record().state(), why),
                            fresh.version());
                }
            }
        }
    }
}
