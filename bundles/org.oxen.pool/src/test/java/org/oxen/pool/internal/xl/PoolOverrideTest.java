package org.oxen.pool.internal.xl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.toolstack.xl.GetOpt;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;

/**
 * The pool's list, migrate and destroy take their command line from the host's own commands
 * (one copy of the options and synopsis) and hand the host's commands what is not the pool's:
 * a command line with the wrong number of operands, {@code list -l}, as typed.
 */
class PoolOverrideTest {

    /** A host command that records what it was given. */
    private static final class HostCommand implements XlSubcommand {
        final String name;
        final String shortOptions;
        final String[] longOptions;
        final List<XlInvocation> calls = new ArrayList<>();

        HostCommand(String name, String shortOptions, String... longOptions) {
            this.name = name;
            this.shortOptions = shortOptions;
            this.longOptions = longOptions;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String summary() {
            return "the host's " + name;
        }

        @Override
        public String usage() {
            return "[options] <the host's synopsis>";
        }

        @Override
        public String shortOptions() {
            return shortOptions;
        }

        @Override
        public String[] longOptions() {
            return longOptions;
        }

        @Override
        public int run(XlInvocation inv) throws XlUsageException {
            calls.add(inv);
            if (name.equals("migrate") && inv.operands().size() != 2) {
                throw new XlUsageException("'migrate' requires a domain and a host");
            }
            return 0;
        }
    }

    private static XlInvocation invocation(XlSubcommand c, String... args) throws Exception {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new XlInvocation(c.name(), new GetOpt("h" + c.shortOptions(), c.longOptions()).parse(List.of(args)),
                false, false, sink, sink);
    }

    @Test
    void theCommandLineIsTheHostsAndWhatIsNotThePoolsGoesToTheHostAsTyped() throws Exception {
        HostCommand migrate = new HostCommand("migrate", "l", "live=l");
        HostCommand list = new HostCommand("list", "lv", "long=l", "verbose=v");
        HostCommand destroy = new HostCommand("destroy", "");
        LocalSubcommands local = new LocalSubcommands(() -> List.of(migrate, list, destroy));
        List<PoolOverride> pool = List.of(new PoolMigrateCommand(null, local), new PoolListCommand(null, local),
                new PoolDestroyCommand(null, local));
        for (PoolOverride p : pool) {
            XlSubcommand host = local.find(p.name()).orElseThrow();
            assertEquals(host.shortOptions(), p.shortOptions(), p.name());
            assertArrayEquals(host.longOptions(), p.longOptions(), p.name());
            assertTrue(p.usage().startsWith(host.usage() + "\n"), p.usage());
        }
        PoolOverride poolMigrate = pool.get(0);
        XlInvocation oneOperand = invocation(poolMigrate, "--live", "dom");
        try {
            poolMigrate.run(oneOperand);
            throw new AssertionError("a migrate without a host must be refused");
        } catch (XlUsageException e) {
            assertEquals("'migrate' requires a domain and a host", e.getMessage());
        }
        assertEquals(List.of(oneOperand), migrate.calls, "the host's migrate got the command line as typed");
        XlInvocation longList = invocation(pool.get(1), "-l", "dom");
        assertEquals(0, pool.get(1).run(longList));
        assertEquals(List.of(longList), list.calls);
        XlInvocation twoDomains = invocation(pool.get(2), "a", "b");
        pool.get(2).run(twoDomains);
        assertEquals(List.of(twoDomains), destroy.calls);
    }
}
