package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;

class XlDispatcherTest {

    private final XlDispatcher xl = new XlDispatcher();
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    /** A subcommand that echoes what it was given, and fails on demand. */
    static class Echo implements XlSubcommand {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public String summary() {
            return "Echo the operands";
        }

        @Override
        public String usage() {
            return "[-l] [-p <pool>] <words>\n-l  long form\n-p  pool";
        }

        @Override
        public String shortOptions() {
            return "lp:";
        }

        @Override
        public String[] longOptions() {
            return new String[] {"long=l"};
        }

        @Override
        public int run(XlInvocation inv) throws Exception {
            if (inv.operands().isEmpty()) {
                throw new XlUsageException("no words given");
            }
            if (inv.operands().get(0).equals("boom")) {
                throw new IllegalStateException("exploded");
            }
            inv.out().println((inv.verbose() ? "v " : "") + (inv.options().has("l") ? "L " : "")
                    + inv.options().value("p") + " " + inv.operands());
            return 0;
        }
    }

    @BeforeEach
    void register() {
        xl.add(new Echo());
    }

    private int run(String... args) {
        return xl.run(List.of(args), out, err);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /** An echo that says who it is: a pool's override of a host's subcommand. */
    static final class Named extends Echo {
        private final String who;

        Named(String who) {
            this.who = who;
        }

        @Override
        public int run(XlInvocation inv) {
            inv.out().println(who);
            return 0;
        }
    }

    @Test
    void theBestRankedOfTwoSubcommandsWithOneNameRunsAndTheFirstAmongEquals() {
        Named later = new Named("later, same ranking");
        xl.add(later);
        assertEquals(0, run("echo", "x"));
        assertEquals("null [x]" + System.lineSeparator(), out(), "the first registered keeps the name");
        outBytes.reset();
        Named pool = new Named("pool");
        xl.add(pool, 100);
        assertEquals(0, run("echo", "x"));
        assertEquals("pool" + System.lineSeparator(), out());
        assertEquals(1, xl.list().stream().filter(c -> c.name().equals("echo")).count());
        outBytes.reset();
        xl.remove(pool);
        assertEquals(0, run("echo", "x"));
        assertEquals("null [x]" + System.lineSeparator(), out(), "the host's own is back");
        xl.remove(later);
    }

    @Test
    void dispatchesWithGlobalAndLocalOptions() {
        assertEquals(0, run("-v", "echo", "--long", "a", "-p", "P", "b"));
        assertEquals("v L P [a, b]" + System.lineSeparator(), out());
    }

    @Test
    void helpListsSubcommandsAndShowsOneUsage() {
        assertEquals(0, run("help"));
        assertTrue(out().contains(" echo                Echo the operands"), out());
        assertTrue(out().contains(" help "), out());
        outBytes.reset();
        assertEquals(0, run("help", "echo"));
        assertTrue(out().startsWith("Usage: xl [-v] echo [-l] [-p <pool>] <words>"), out());
        outBytes.reset();
        assertEquals(0, run("echo", "-h"));
        assertTrue(out().contains("Options:"), out());
    }

    @Test
    void unknownCommandIsOneClearLine() {
        assertEquals(1, run("frobnicate"));
        assertEquals("xl: unknown command 'frobnicate'; 'xl help' lists the commands" + System.lineSeparator(), err());
        assertEquals("", out());
    }

    @Test
    void badOptionsPrintGetoptMessageAndUsage() {
        assertEquals(1, run("echo", "-z"));
        assertTrue(err().startsWith("xl echo: invalid option -- 'z'"), err());
        assertTrue(err().contains("Usage: xl [-v] echo"), err());
        errBytes.reset();
        assertEquals(1, run("-q", "echo"));
        assertTrue(err().startsWith("xl: invalid option -- 'q'"), err());
    }

    @Test
    void usageAndRuntimeFailuresAreReportedNotThrown() {
        assertEquals(1, run("echo"));
        assertTrue(err().startsWith("xl echo: no words given"), err());
        errBytes.reset();
        assertEquals(1, run("echo", "boom"));
        assertEquals("xl echo: exploded" + System.lineSeparator(), err());
    }

    @Test
    void noSubcommandPrintsSummaryAndFails() {
        assertEquals(1, run());
        assertTrue(out().startsWith("Usage xl [-vfN] <subcommand> [args]"), out());
    }

    @Test
    void removedSubcommandIsGone() {
        xl.remove(xl.find("echo").orElseThrow());
        assertEquals(1, run("echo", "x"));
    }

    /** Issue 12: {@code xl -N destroy} destroyed; -N was honoured by create alone. */
    @Test
    void dryRunIsRefusedByCommandsThatCannotDryRun() {
        assertEquals(1, run("-N", "echo", "a"));
        assertEquals(XlDispatcher.NO_DRY_RUN + System.lineSeparator(), err());
        assertEquals("", out(), "the command must not run");
        assertEquals("command does not implement -N (dryrun) option", XlDispatcher.NO_DRY_RUN); // xl's words
    }

    @Test
    void dryRunReachesCommandsThatHonourIt() {
        xl.add(new Echo() {
            @Override
            public String name() {
                return "plan";
            }

            @Override
            public boolean canDryRun() {
                return true;
            }

            @Override
            public int run(XlInvocation inv) {
                inv.out().println("dry run: " + inv.dryRun());
                return 0;
            }
        });
        assertEquals(0, run("-N", "plan"));
        assertEquals("dry run: true" + System.lineSeparator(), out());
    }

    /** An {@link org.oxen.toolstack.xl.XlError} from any bundle's subcommand is printed as it is. */
    @Test
    void xlErrorIsOneLineWithoutPrefix() {
        xl.add(new Echo() {
            @Override
            public String name() {
                return "fail";
            }

            @Override
            public int run(XlInvocation inv) throws Exception {
                throw new org.oxen.toolstack.xl.XlError("nosuch is an invalid domain identifier (rc=-6)");
            }
        });
        assertEquals(1, run("fail"));
        assertEquals("nosuch is an invalid domain identifier (rc=-6)" + System.lineSeparator(), err());
    }
}
