package org.oxen.pool.internal;

import java.util.List;
import java.util.Set;

/**
 * What the pool needs of the runtime it runs in: its figures and domains, and the toolstack's
 * own create, pause, unpause, destroy and migrate (so a pool domain is created exactly as
 * {@code xl create} creates one). Implemented over the OSGi services ({@code OsgiLocalHost}) and
 * by tests.
 */
public interface LocalHost {

    /** Free machine memory, MiB. */
    long freeMiB();

    /** The machine-memory pool, MiB. */
    long totalMiB();

    int pcpus();

    /** {@code address:port} of this runtime's migration receiver, or empty when it has none. */
    String migrationAddress();

    /** This runtime's {@code xl list} rows, without the header. */
    List<String> listRows();

    /**
     * This runtime's {@code xl top} rows, without the header, CPU % over the last second or so
     * (sampled again at most once a second, so a pool's tick does not shorten the window).
     */
    List<String> topRows();

    /** Names of the domains that exist here now. */
    Set<String> domainNames();

    /**
     * Creates a domain from {@code config} as {@code xl create} would.
     *
     * @throws Exception whose message says why it was refused (nothing is created then)
     */
    void create(String name, String config, String directory) throws Exception;

    void pause(String name);

    void unpause(String name);

    void destroy(String name);

    /**
     * Migrates {@code name} to the runtime listening at {@code address} ({@code xl migrate}, with
     * {@code --live} when {@code live}); returns once the target runs it.
     *
     * @return how it went, in a line (xl migrate's summary: rounds, pages, downtime, total time)
     * @throws Exception whose message says why it failed (the domain goes on here then)
     */
    String migrate(String name, String address, boolean live) throws Exception;
}
