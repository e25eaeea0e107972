package org.oxen.toolstack.xl.internal.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.jobs.Job;
import org.oxen.vmm.api.jobs.Jobs;

/** The progress seam: bytes counted as they pass (a large write in chunks), tenths on the shell, the job listed until closed. */
class ProgressStreamsTest {

    @Test
    void aLargeWriteIsCountedAsItGoesAndEachTenthIsPrinted() throws IOException {
        JobRegistry jobs = new JobRegistry();
        ByteArrayOutputStream shell = new ByteArrayOutputStream();
        List<Long> seenBySink = new ArrayList<>();
        try (Job job = jobs.start("save", "d to f", 1 << 20)) {
            OutputStream sink = new OutputStream() {
                @Override
                public void write(int b) {
                    throw new AssertionError("bytes come in arrays");
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    seenBySink.add(jobs.running().get(0).done()); // what the job says while this chunk is written
                }
            };
            OutputStream out = ProgressStreams.counting(sink, job, new PrintStream(shell, true, StandardCharsets.UTF_8), "xl save", 1 << 20);
            out.write(new byte[1 << 20]); // one call, as a saver's batch of pages
            Jobs.JobInfo info = jobs.running().get(0);
            assertEquals(1 << 20, info.done());
            assertEquals(1.0, info.fraction());
        }
        assertEquals(16, seenBySink.size(), "64 KiB chunks");
        for (int i = 0; i < 16; i++) assertEquals(i * (64L << 10), seenBySink.get(i), "counted chunk by chunk");
        String printed = shell.toString(StandardCharsets.UTF_8);
        for (int t = 10; t <= 100; t += 10) assertTrue(printed.contains("xl save: " + t + "% "), printed);
        assertEquals(List.of(), jobs.running(), "closed: gone");
    }

    @Test
    void readsAreCountedToo() throws IOException {
        JobRegistry jobs = new JobRegistry();
        try (Job job = jobs.start("restore", "f", 1000)) {
            InputStream in = ProgressStreams.counting(new ByteArrayInputStream(new byte[1000]), job, null, "xl restore", 1000);
            in.readNBytes(300);
            assertEquals(300, jobs.running().get(0).done());
            in.transferTo(OutputStream.nullOutputStream());
            assertEquals(1000, jobs.running().get(0).done());
        }
    }
}
