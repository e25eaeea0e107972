package org.oxen.x86.bus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

import org.oxen.x86.api.device.Timer;
import org.oxen.x86.api.device.TimerService;

/**
 * The machine's device timers. The board bounds each CPU batch by {@link #nextDeadline()} and
 * calls {@link #runDue(long)} between batches. Re-arming allocates nothing: the queue is the
 * list of all timers, scanned for the earliest deadline (a machine has a handful of timers).
 * Timers due at the same time fire in creation order.
 */
public final class TimerQueue implements TimerService {

    private final List<Entry> timers = new ArrayList<>();

    private final class Entry implements Timer {
        final String name;
        final LongConsumer callback;
        long deadline = Long.MAX_VALUE;

        Entry(String name, LongConsumer callback) {
            this.name = name;
            this.callback = callback;
        }

        @Override
        public void armAt(long deadlineNanos) {
            deadline = Math.max(0, deadlineNanos);
            if (deadline == Long.MAX_VALUE) {
                deadline = Long.MAX_VALUE - 1;
            }
        }

        @Override
        public void cancel() {
            deadline = Long.MAX_VALUE;
        }

        @Override
        public boolean armed() {
            return deadline != Long.MAX_VALUE;
        }

        @Override
        public long deadline() {
            return deadline;
        }

        @Override
        public String toString() {
            return name + (armed() ? "@" + deadline : " (idle)");
        }
    }

    @Override
    public Timer newTimer(String name, LongConsumer callback) {
        Entry e = new Entry(name, callback);
        timers.add(e);
        return e;
    }

    /** Forgets a timer (device closed). */
    public void remove(Timer timer) {
        timers.remove(timer);
    }

    /** The earliest armed deadline, or {@link Long#MAX_VALUE} if none. */
    public long nextDeadline() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < timers.size(); i++) {
            min = Math.min(min, timers.get(i).deadline);
        }
        return min;
    }

    /**
     * Fires every timer whose deadline is {@code <= now}, earliest first, repeating while
     * callbacks re-arm timers that are already due. Returns the number of callbacks run.
     * A callback that keeps re-arming at or before {@code now} is cut off after 100000 runs.
     */
    public int runDue(long now) {
        int fired = 0;
        while (fired < 100_000) {
            Entry due = null;
            for (int i = 0; i < timers.size(); i++) {
                Entry e = timers.get(i);
                if (e.deadline <= now && (due == null || e.deadline < due.deadline)) {
                    due = e;
                }
            }
            if (due == null) {
                break;
            }
            due.deadline = Long.MAX_VALUE;
            due.callback.accept(now);
            fired++;
        }
        return fired;
    }

    @Override
    public String toString() {
        return "TimerQueue" + timers;
    }
}
