package org.oxen.pool.internal;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** Waiting for the pool (never a timed assertion: a bound after which the test fails with what it saw). */
final class PoolTestSupport {

    private PoolTestSupport() {
    }

    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + millis + " ms: " + what);
            }
            Thread.sleep(25);
        }
    }

    /** A log the test reads. */
    static final class Log {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        /** What the pool says, kept for the test and shown on stderr. */
        final PrintStream stream = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (bytes) {
                    bytes.write(b);
                }
                System.err.write(b);
            }
        }, true, StandardCharsets.UTF_8);

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    static DomainRecord record(String name, String host, boolean restart, String config) {
        return DomainRecord.placed(name, host, restart, 16, "", "name = \"" + name + "\"\n" + config);
    }
}
