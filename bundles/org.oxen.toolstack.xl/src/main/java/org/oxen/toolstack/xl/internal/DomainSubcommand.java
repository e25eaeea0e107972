package org.oxen.toolstack.xl.internal;

import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;

/**
 * A subcommand that works on domains: an {@link XlError} becomes its one-line message on the
 * session's stderr and exit status 1 (the dispatcher would prefix {@code xl <name>:}, which xl
 * does not print for these errors).
 */
abstract class DomainSubcommand implements XlSubcommand {

    @Override
    public final int run(XlInvocation inv) throws XlUsageException, InterruptedException {
        try {
            return execute(inv);
        } catch (XlError e) {
            inv.err().println(e.getMessage());
            return 1;
        }
    }

    abstract int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException;

    /** The one operand a command like {@code xl pause <Domain>} takes. */
    static String oneDomain(XlInvocation inv) throws XlUsageException {
        if (inv.operands().size() != 1) {
            throw new XlUsageException(inv.operands().isEmpty() ? "'" + inv.command() + "' requires a domain"
                    : "too many arguments");
        }
        return inv.operands().get(0);
    }
}
