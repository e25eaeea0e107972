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
 *
 * <p>A timer armed while a batch runs, due before the batch's end ({@link #runningUntil}),
 * calls the owner's {@link #onEarlierDeadline} listener once, so that the owner ends the batch
 * there and bounds the next one by the new deadline (QEMU's timer_mod kicking the vCPU out of
 * its icount budget): one compare per arming.
 */
public final class TimerQueue implements TimerService {

    private final List<Entry> timers = new ArrayList<>();
    /** The end of the batch running now ({@code Long.MIN_VALUE} between batches: no deadline is before it). */
    private long horizon = Long.MIN_VALUE;
    private Runnable earlier = () -> { };

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
            if (deadline < horizon) {
                horizon = deadline;
                earlier.run();
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

    /**
     * Says that a batch of guest instructions runs now until clock time {@code end}: a timer
     * armed before {@code end} calls the {@link #onEarlierDeadline} listener (once for each
     * deadline earlier than every one before it), until {@link #batchEnded}.
     */
    public void runningUntil(long end) {
        horizon = end;
    }

    /** The batch is over: arming calls no listener. */
    public void batchEnded() {
        horizon = Long.MIN_VALUE;
    }

    /** The listener {@link #runningUntil} calls: the owner ends the running batch (replaces the previous one). */
    public void onEarlierDeadline(Runnable listener) {
        earlier = java.util.Objects.requireNonNull(listener);
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
