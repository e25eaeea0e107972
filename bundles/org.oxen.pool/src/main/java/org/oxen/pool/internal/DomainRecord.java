package org.oxen.pool.internal;

import java.util.Map;
import java.util.TreeMap;

import org.oxen.pool.internal.RecordCodec.CorruptRecordException;

/**
 * One domain of the pool: its xl.cfg text (overrides applied), the directory its relative paths
 * are resolved in (on storage every host sees), and where it is placed. The host it names runs
 * it; no other does (README: "No domain twice").
 *
 * @param host the runtime that runs it
 * @param restart whether the master restarts it on another host when its host dies
 *     ({@code xl create --ha-restart})
 * @param memoryMiB its memory, for placement
 * @param migrateTo a host it is asked to move to ({@code xl migrate}), else empty
 * @param migrateLive whether that move is live ({@code xl migrate --live}: pre-copied while it runs)
 * @param state {@code placed} (its host runs it or is about to), {@code lost} (its host died and
 *     no host had room, or it is not restartable), or {@code failed} (its host could not create
 *     it; {@code error} says why)
 * @param moved how its last move went (the source's {@code xl migrate} summary: rounds, downtime), else empty
 */
public record DomainRecord(String name, String host, boolean restart, long memoryMiB, String directory,
        String config, String migrateTo, boolean migrateLive, String state, String error, String moved) {

    static final String KIND = "domain";
    public static final String PLACED = "placed";
    public static final String LOST = "lost";
    public static final String FAILED = "failed";

    /** A new record of a domain placed on {@code host}, not moving. */
    public static DomainRecord placed(String name, String host, boolean restart, long memoryMiB, String directory,
            String config) {
        return new DomainRecord(name, host, restart, memoryMiB, directory, config, "", false, PLACED, "", "");
    }

    /** Placed on {@code h} (restarted there, or arrived there by a move {@code howMoved} describes). */
    public DomainRecord withHost(String h, String howMoved) {
        return new DomainRecord(name, h, restart, memoryMiB, directory, config, "", false, PLACED, "", howMoved);
    }

    public DomainRecord with(String newState, String why) {
        return new DomainRecord(name, host, restart, memoryMiB, directory, config, migrateTo, migrateLive, newState,
                why, moved);
    }

    /** Asked to move to {@code target} (live or not); an empty target: no move asked. */
    public DomainRecord migratingTo(String target, boolean live) {
        return new DomainRecord(name, host, restart, memoryMiB, directory, config, target,
                !target.isEmpty() && live, state, "", moved);
    }

    byte[] encode() {
        Map<String, String> f = new TreeMap<>();
        f.put("name", name);
        f.put("host", host);
        f.put("restart", Boolean.toString(restart));
        f.put("memory_mib", Long.toString(memoryMiB));
        f.put("directory", directory);
        f.put("config", config);
        f.put("migrate_to", migrateTo);
        f.put("migrate_live", Boolean.toString(migrateLive));
        f.put("moved", moved);
        f.put("state", state);
        f.put("error", error);
        return RecordCodec.encode(KIND, f);
    }

    static DomainRecord decode(String path, byte[] data) throws CorruptRecordException {
        Map<String, String> f = RecordCodec.decode(KIND, path, data);
        String name = RecordCodec.required(f, "name", path);
        if (!name.equals(PoolPaths.leaf(path))) {
            throw new CorruptRecordException(path, "its name is '" + name + "'");
        }
        String state = RecordCodec.required(f, "state", path);
        if (!state.equals(PLACED) && !state.equals(LOST) && !state.equals(FAILED)) {
            throw new CorruptRecordException(path, "state=" + state + " is none of placed, lost, failed");
        }
        return new DomainRecord(name, RecordCodec.required(f, "host", path), RecordCodec.flag(f, "restart", path),
                RecordCodec.number(f, "memory_mib", path, 1, 1L << 20), f.getOrDefault("directory", ""),
                RecordCodec.required(f, "config", path), f.getOrDefault("migrate_to", ""),
                RecordCodec.flag(f, "migrate_live", path), state,
                f.getOrDefault("error", ""), f.getOrDefault("moved", ""));
    }
}
