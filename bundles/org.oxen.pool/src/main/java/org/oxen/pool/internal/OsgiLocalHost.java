package org.oxen.pool.internal;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.oxen.pool.internal.LocalSubcommands.Outcome;
import org.oxen.toolstack.xl.ConfigTextCreator;
import org.oxen.toolstack.xl.TopTables;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.MachineMemory;

/**
 * {@link LocalHost} over the runtime's services: figures from {@link MachineMemory} and
 * {@link CpuPools}, domains from {@link Domains}, creation through the xl bundle's
 * {@link ConfigTextCreator} (xl create's parser, checks and toolstack), list and migrate
 * through the host's own xl subcommands, and top rows from the xl bundle's {@link TopTables}.
 *
 * <p>Locking: the top sampler and its last rows are guarded by {@code this}.
 */
final class OsgiLocalHost implements LocalHost {

    /** The shortest window the published CPU % is measured over. */
    private static final long TOP_WINDOW_NANOS = 1_000_000_000L;

    private final Domains domains;
    private final MachineMemory memory;
    private final CpuPools cpus;
    private final ConfigTextCreator creator;
    private final LocalSubcommands xl;
    private final String migration;
    private final TopTables.Sampler top;
    private List<String> topRows;
    private long topSampled;

    OsgiLocalHost(Domains domains, MachineMemory memory, CpuPools cpus, ConfigTextCreator creator,
            LocalSubcommands xl, TopTables tops, String migration) {
        this.top = tops.open();
        this.topSampled = System.nanoTime();
        this.domains = domains;
        this.memory = memory;
        this.cpus = cpus;
        this.creator = creator;
        this.xl = xl;
        this.migration = migration;
    }

    @Override
    public long freeMiB() {
        return memory.freeFrames() / 256;
    }

    @Override
    public long totalMiB() {
        return memory.totalFrames() / 256;
    }

    @Override
    public int pcpus() {
        return cpus.pcpus();
    }

    @Override
    public String migrationAddress() {
        return migration;
    }

    @Override
    public List<String> listRows() {
        Outcome o = xl.run("list", List.of(), Path.of("").toAbsolutePath());
        List<String> lines = o.out().lines().toList();
        return lines.isEmpty() ? List.of() : lines.subList(1, lines.size());
    }

    @Override
    public synchronized List<String> topRows() {
        long now = System.nanoTime();
        if (topRows == null || now - topSampled >= TOP_WINDOW_NANOS) {
            topRows = top.next().rows();
            topSampled = now;
        }
        return topRows;
    }

    @Override
    public Set<String> domainNames() {
        Set<String> out = new HashSet<>();
        for (Domain d : domains.list()) {
            out.add(d.name());
        }
        return out;
    }

    @Override
    public void create(String name, String config, String directory) throws Exception {
        Path dir = directory.isEmpty() ? Path.of("").toAbsolutePath() : Path.of(directory);
        creator.create("pool:" + name, config, dir, false);
    }

    @Override
    public void pause(String name) {
        domains.find(name).ifPresent(d -> domains.pause(d.id()));
    }

    @Override
    public void unpause(String name) {
        domains.find(name).ifPresent(d -> domains.unpause(d.id()));
    }

    @Override
    public void destroy(String name) {
        domains.find(name).ifPresent(d -> domains.destroy(d.id()));
    }

    @Override
    public String migrate(String name, String address, boolean live) throws Exception {
        Outcome o = xl.run("migrate", live ? List.of("--live", name, address) : List.of(name, address),
                Path.of("").toAbsolutePath());
        if (o.status() != 0) {
            throw new Exception(o.message());
        }
        // xl migrate prints a line per pre-copy round and one "migration of domain ... done" line
        List<String> lines = o.err().lines().toList();
        long rounds = lines.stream().filter(l -> l.startsWith("migration round ")).count();
        String done = lines.stream().filter(l -> l.startsWith("migration of domain ")).reduce((a, b) -> b).orElse("");
        return (live ? "live, " + rounds + " round(s); " : "suspended first; ") + done;
    }
}
