package org.oxen.toolstack.xl.internal.jobs;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;

import org.oxen.vmm.api.jobs.Job;

/**
 * The progress seam of stream-shaped work (a save's stream, a restore's file, a migration's
 * socket): the bytes passing through counted into a {@link Job}, and a line on the shell each
 * time another tenth of the total has gone ({@code xl save: 40% (3.2 of 8.0 MiB)}). The work's
 * own code only wraps its stream. Not thread-safe: one stream, one thread.
 */
public final class ProgressStreams {

    /** The most a write passes on before it is counted. */
    static final int CHUNK = 64 << 10;

    private ProgressStreams() {
    }

    /** Counts bytes and reports them; prints every tenth. */
    static final class Meter {
        private final Job job;
        private final PrintStream shell;
        private final String label;
        private long count;
        private int tenthsShown;
        private volatile long total;

        Meter(Job job, PrintStream shell, String label, long total) {
            this.job = job;
            this.shell = shell;
            this.label = label;
            this.total = total;
        }

        void add(long n) {
            count += n;
            long t = total;
            job.progress(count, t);
            if (t > 0 && shell != null) {
                int tenths = (int) Math.min(10, count * 10 / t);
                if (tenths > tenthsShown) {
                    tenthsShown = tenths;
                    shell.printf(Locale.ROOT, "%s: %d%% (%.1f of %.1f MiB)%n", label, tenths * 10, count / 1048576.0, t / 1048576.0);
                    shell.flush();
                }
            }
        }
    }

    /** {@code out}, with what is written counted into {@code job} (total: the expected bytes, 0 if unknown). */
    public static OutputStream counting(OutputStream out, Job job, PrintStream shell, String label, long total) {
        Meter m = new Meter(job, shell, label, total);
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                m.add(1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                // a saver writes a batch of pages (megabytes) at once: counted as it goes
                for (int n; len > 0; off += n, len -= n) {
                    n = Math.min(len, CHUNK);
                    out.write(b, off, n);
                    m.add(n);
                }
            }
        };
    }

    /** {@code in}, with what is read counted into {@code job}. */
    public static InputStream counting(InputStream in, Job job, PrintStream shell, String label, long total) {
        Meter m = new Meter(job, shell, label, total);
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b >= 0) m.add(1);
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0) m.add(n);
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long s = in.skip(n);
                if (s > 0) m.add(s);
                return s;
            }
        };
    }
}
