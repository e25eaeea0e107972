package org.oxen.toolstack.xl;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One {@code xl} subcommand, registered as an OSGi service.
 *
 * <p>The {@code xl} command in Gogo dispatches the word after {@code xl} to the service whose
 * {@link #name()} matches, so a bundle adds a subcommand by registering one small component;
 * the dispatcher never grows a switch. Xen's usage conventions apply: options are parsed with
 * {@link GetOpt}, {@code -h} prints {@link #usage()}, and {@link #run} returns xl's exit status.
 * When two services have one name, the one with the higher {@code service.ranking} is run (2.2:
 * a pool's {@code xl list} over the host's own); equal rankings: the first registered.
 */
@ConsumerType
public interface XlSubcommand {

    /** The word after {@code xl}, e.g. {@code "info"}. */
    String name();

    /** One line for {@code xl help}, in Xen's wording where Xen has the command. */
    String summary();

    /**
     * The synopsis and option list shown by {@code xl help <name>} and on a usage error, e.g.
     * {@code "[-n]\n\n-n, --numa   List host NUMA topology information"}; the first line is the
     * argument synopsis that follows {@code "Usage: xl [-v] <name> "}.
     */
    String usage();

    /** Short option letters in getopt syntax ({@code "l"}, {@code "p:"}); {@code h} is implied. */
    default String shortOptions() {
        return "";
    }

    /** Long options in {@link GetOpt} syntax ({@code "long"}, {@code "pool:"}); {@code help} is implied. */
    default String[] longOptions() {
        return new String[0];
    }

    /**
     * Whether the subcommand honours xl's global {@code -N} (dry run: say what would be done,
     * change nothing), as xl's command table marks each command {@code can_dryrun}. Without it,
     * {@code xl -N <name>} is refused ({@code command does not implement -N (dryrun) option})
     * before the subcommand runs, so a dry run can never change anything by accident.
     *
     * @since 1.2
     */
    default boolean canDryRun() {
        return false;
    }

    /**
     * Runs the subcommand.
     *
     * @return the exit status, 0 on success as in xl
     * @throws XlUsageException when the arguments do not fit {@link #usage()}
     */
    int run(XlInvocation invocation) throws Exception;
}
