package org.oxen.pool.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link LocalHost} without a hypervisor: domains are names with a paused flag, 16 MiB each;
 * a config containing {@code refuse} is refused as a toolstack would refuse it. Migration moves
 * the domain to another FakeHost registered under its "address".
 */
final class FakeHost implements LocalHost {

    static final Map<String, FakeHost> BY_ADDRESS = new ConcurrentHashMap<>();

    final String name;
    final long totalMiB;
    /** name -> paused */
    final Map<String, Boolean> domains = new ConcurrentHashMap<>();
    final List<String> created = new CopyOnWriteArrayList<>();
    /** How long a migration takes between the domain leaving here and arriving there. */
    volatile long migrationMillis;

    FakeHost(String name, long totalMiB) {
        this.name = name;
        this.totalMiB = totalMiB;
        BY_ADDRESS.put(migrationAddress(), this);
    }

    @Override
    public long freeMiB() {
        return totalMiB - 16L * domains.size();
    }

    @Override
    public long totalMiB() {
        return totalMiB;
    }

    @Override
    public int pcpus() {
        return 2;
    }

    @Override
    public String migrationAddress() {
        return "fake-" + name + ":8002";
    }

    @Override
    public List<String> listRows() {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-40s %5d %5d %5d     %s  %8.1f", "Domain-0", 0, 512, 2, "r-----", 1.0));
        int id = 1;
        for (var e : new java.util.TreeMap<>(domains).entrySet()) {
            rows.add(String.format("%-40s %5d %5d %5d     %s  %8.1f", e.getKey(), id++, 16, 1,
                    e.getValue() ? "--p---" : "r-----", 0.0));
        }
        return rows;
    }

    /** xentop's rows as the xl bundle prints them, CPU % 12.5 for a running domain. */
    @Override
    public List<String> topRows() {
        List<String> rows = new ArrayList<>();
        for (var e : new java.util.TreeMap<>(domains).entrySet()) {
            rows.add(String.format(java.util.Locale.ROOT, "%10s %6s %10d %6.1f %10d", e.getKey(),
                    e.getValue() ? "----p-" : "-----r", 3, e.getValue() ? 0.0 : 12.5, 16384));
        }
        return rows;
    }

    @Override
    public Set<String> domainNames() {
        return Set.copyOf(domains.keySet());
    }

    @Override
    public void create(String n, String config, String directory) throws Exception {
        if (config.contains("refuse")) {
            throw new Exception("pool:" + n + ":1:1: refused by the fake toolstack");
        }
        if (domains.putIfAbsent(n, false) != null) {
            throw new Exception("domain " + n + " already exists");
        }
        created.add(n);
    }

    @Override
    public void pause(String n) {
        domains.computeIfPresent(n, (k, v) -> true);
    }

    @Override
    public void unpause(String n) {
        domains.computeIfPresent(n, (k, v) -> false);
    }

    @Override
    public void destroy(String n) {
        domains.remove(n);
    }

    @Override
    public String migrate(String n, String address, boolean live) throws Exception {
        FakeHost target = BY_ADDRESS.get(address);
        if (target == null) {
            throw new Exception("cannot connect to " + address);
        }
        Boolean paused = domains.remove(n);
        if (paused == null) {
            throw new Exception(n + " does not exist");
        }
        // gone here, not yet there: as a live migration's last round and the target's start
        Thread.sleep(migrationMillis);
        target.domains.put(n, paused);
        return (live ? "live" : "suspended first") + " to " + address;
    }

    boolean runs(String n) {
        return Boolean.FALSE.equals(domains.get(n));
    }

    boolean paused(String n) {
        return Boolean.TRUE.equals(domains.get(n));
    }
}
