package org.oxen.itests.bnd;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What blkback logs through the JDK's platform log (logger {@code org.oxen.io.blkback}) while a
 * test runs: its connections' ends with their request counts. Through java.util.logging, which
 * Gogo's per-thread System.err streams do not affect.
 *
 * <p>Locking: records arrive on blkback's threads; the list is guarded by this object.
 */
final class BlkbackLog extends Handler implements AutoCloseable {

    /** Held: java.util.logging keeps loggers only weakly. */
    private final Logger logger = Logger.getLogger("org.oxen.io.blkback");
    private final List<String> messages = new ArrayList<>();

    private BlkbackLog() {
    }

    static BlkbackLog capture() {
        BlkbackLog l = new BlkbackLog();
        l.logger.addHandler(l);
        return l;
    }

    @Override
    public synchronized void publish(LogRecord r) {
        messages.add(r.getMessage());
    }

    /** The messages so far. */
    synchronized List<String> messages() {
        return new ArrayList<>(messages);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
