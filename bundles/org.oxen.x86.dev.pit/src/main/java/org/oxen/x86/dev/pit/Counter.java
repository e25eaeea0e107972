package org.oxen.x86.dev.pit;

/**
 * One 8254 counter, computed from the clock instead of stepped: the count element's value and
 * OUT are functions of the input ticks elapsed since the count was loaded (or the gate
 * triggered), as in QEMU's hw/timer/i8254_common.c, extended with gate suspension (modes 0, 4),
 * gate-low OUT forcing (modes 2, 3), hardware triggers (modes 1, 5), the datasheet's OUT state
 * after a control word, null count, mode-0 stop on the first byte of a word write, and BCD.
 *
 * <p>A new count written while modes 2 and 3 run takes effect at the end of the current period
 * (the datasheet's "end of the current counting cycle"; for mode 3 the real part may switch at
 * the end of a half-cycle). Simplification: a written count otherwise takes effect at once,
 * not on the next CLK pulse.
 */
final class Counter {

    static final int RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3;

    final int index;

    int mode;
    int rwMode = RW_LSB;
    boolean bcd;
    /** Initial count, 1..0x10000 (binary) or 1..10000 (BCD); 0 written means the maximum. */
    int count = 0x10000;
    /** Count register as last written, for reads before counting starts. */
    int countRegister;

    boolean gate;
    /** A control word was written and no (complete) count since: not counting. */
    boolean waiting = true;
    boolean nullCount = true;
    /** Modes 1 and 5: the gate's rising edge started the count. */
    boolean triggered;
    long startTick;
    /** Tick at which counting was suspended by the gate (modes 0, 4), or -1. */
    long pausedTick = -1;
    /** Modes 2, 3: a count waiting for the end of the current period, or 0. */
    private int nextCount;
    private long switchTick;

    // read/write byte sequencing
    boolean writeMsbNext;
    int writeLatch;
    boolean readMsbNext;
    int latchedCount;
    int countLatched;      // 0, RW_LSB, RW_MSB, RW_WORD: bytes of latchedCount still to read
    boolean statusLatched;
    int status;

    Counter(int index, boolean gate) {
        this.index = index;
        this.gate = gate;
    }

    private int modulus() {
        return bcd ? 10000 : 0x10000;
    }

    /** Applies a count waiting for the end of the period once {@code tick} reaches it. */
    void sync(long tick) {
        if (nextCount != 0 && tick >= switchTick && pausedTick < 0) {
            count = nextCount;
            startTick = switchTick;
            nextCount = 0;
            nullCount = false;
        }
    }

    long elapsed(long tick) {
        return (pausedTick >= 0 ? pausedTick : tick) - startTick;
    }

    private boolean started() {
        return !waiting && !((mode == 1 || mode == 5) && !triggered);
    }

    /** The count element's value at {@code tick}, binary. */
    int value(long tick) {
        sync(tick);
        if (!started()) {
            return countRegister;
        }
        long d = elapsed(tick);
        return switch (mode) {
            case 2 -> (int) (count - d % count);
            case 3 -> (int) (count - (2 * d) % count);
            default -> (int) Math.floorMod(count - d, (long) modulus());
        };
    }

    /** OUT at {@code tick}. */
    boolean out(long tick) {
        sync(tick);
        if (waiting) {
            return mode != 0;
        }
        long d = elapsed(tick);
        return switch (mode) {
            case 0 -> d >= count;
            case 1 -> !triggered || d >= count;
            case 2 -> !gate || d % count != count - 1;
            case 3 -> !gate || d % count < (count + 1) / 2;
            case 4 -> d != count;
            default -> !triggered || d != count;
        };
    }

    /**
     * Modes 2 and 3 counting a period shorter than {@code minTicks}: the period OUT's interrupt
     * is limited to, the count's smallest multiple at least {@code minTicks} long (so each
     * limited edge is a real reload and the count reads as programmed); otherwise 0. The state
     * as it is: the caller {@link #sync}s first where a waiting count may have taken over.
     */
    long limitedPeriod(long minTicks) {
        return count >= minTicks ? 0 : interruptPeriod(minTicks);
    }

    /**
     * Modes 2 and 3 counting: the period of OUT's interrupt, the count or, when shorter than
     * {@code minTicks}, its {@link #limitedPeriod}; otherwise (not counting periodically) 0.
     */
    long interruptPeriod(long minTicks) {
        if ((mode != 2 && mode != 3) || waiting || pausedTick >= 0 || !gate) {
            return 0;
        }
        return count >= minTicks ? count : (minTicks + count - 1) / count * count;
    }

    /**
     * The first reload after {@code tick} at which a limited OUT interrupts: the end of a
     * {@code period} counted from the start, or sooner the switch to a count waiting for the
     * end of the current period.
     */
    long nextLimitedEdge(long tick, long period) {
        long next = startTick + ((tick - startTick) / period + 1) * period;
        return nextCount != 0 && switchTick > tick ? Math.min(next, switchTick) : next;
    }

    /** The first tick after {@code tick} at which OUT changes, or -1 if it never does on its own. */
    long nextTransition(long tick) {
        sync(tick);
        if (waiting || pausedTick >= 0) {
            return -1;
        }
        long d = tick - startTick;
        switch (mode) {
            case 0, 1:
                if (mode == 1 && !triggered) {
                    return -1;
                }
                return d < count ? startTick + count : -1;
            case 2: {
                if (!gate) {
                    return -1;
                }
                long k = d % count;
                return k < count - 1 ? tick + (count - 1 - k) : tick + 1;
            }
            case 3: {
                if (!gate) {
                    return -1;
                }
                long h = (count + 1) / 2;
                long k = d % count;
                return k < h ? tick + (h - k) : tick + (count - k);
            }
            default:
                if (mode == 5 && !triggered) {
                    return -1;
                }
                if (d < count) {
                    return startTick + count;
                }
                return d == count ? startTick + count + 1 : -1;
        }
    }

    /**
     * Power-on: the datasheet leaves mode, count and OUT undefined until a control word and a
     * count are written. Modelled as a counter waiting for its count in mode 3 (OUT high, as
     * QEMU and a BIOS leave it, so a guest's first mode-2 control word is no edge; no
     * transitions): nothing counts, so IRQ 0 stays quiet until the guest programs counter 0.
     */
    void powerOn() {
        mode = 3;
        rwMode = RW_WORD;
        bcd = false;
        count = 0x10000;
        countRegister = 0;
        waiting = true;
        nullCount = true;
        triggered = false;
        pausedTick = -1;
        nextCount = 0;
        writeMsbNext = false;
        readMsbNext = false;
        countLatched = 0;
        statusLatched = false;
    }

    /** Xen's hvm_hw_pit_channel, oxen's layout: every field, ticks as absolute clock ticks. */
    void save(org.oxen.x86.api.device.StateWriter w) {
        w.u8(mode).u8(rwMode).bool(bcd).u32(count).u32(countRegister).bool(gate).bool(waiting).bool(nullCount)
                .bool(triggered).u64(startTick).u64(pausedTick).u32(nextCount).u64(switchTick).bool(writeMsbNext)
                .u8(writeLatch).bool(readMsbNext).u16(latchedCount).u8(countLatched).bool(statusLatched).u8(status);
    }

    /** Reads and checks a saved counter into a fresh one; the caller swaps it in once all three read. */
    static Counter load(int index, org.oxen.x86.api.device.StateReader r) {
        String f = "ch" + index + ".";
        Counter c = new Counter(index, true);
        c.mode = r.u8(f + "mode", 0, 5);
        c.rwMode = r.u8(f + "rw_mode", RW_LSB, RW_WORD);
        c.bcd = r.bool(f + "bcd");
        c.count = r.u32(f + "count", 1, 0x10000);
        if (c.bcd && c.count > 10000) throw r.bad(f + "count", c.count + " is beyond a BCD count's 10000");
        c.countRegister = r.u32(f + "count_register", 0, 0xFFFF);
        c.gate = r.bool(f + "gate");
        c.waiting = r.bool(f + "waiting");
        c.nullCount = r.bool(f + "null_count");
        c.triggered = r.bool(f + "triggered");
        c.startTick = r.u64(f + "start_tick");
        c.pausedTick = r.u64(f + "paused_tick");
        if (c.pausedTick < -1) throw r.bad(f + "paused_tick", c.pausedTick + " is neither -1 nor a tick");
        c.nextCount = r.u32(f + "next_count", 0, 0x10000);
        c.switchTick = r.u64(f + "switch_tick");
        c.writeMsbNext = r.bool(f + "write_msb_next");
        c.writeLatch = r.u8(f + "write_latch");
        c.readMsbNext = r.bool(f + "read_msb_next");
        c.latchedCount = r.u16(f + "latched_count");
        c.countLatched = r.u8(f + "count_latched", 0, RW_WORD);
        c.statusLatched = r.bool(f + "status_latched");
        c.status = r.u8(f + "status");
        return c;
    }

    void controlWord(int val) {
        int access = (val >> 4) & 3;
        if (access == RW_LATCH) {
            return; // handled by the caller (needs the time)
        }
        nextCount = 0;
        rwMode = access;
        mode = (val >> 1) & 7;
        if (mode > 5) {
            mode -= 4;       // 6 and 7 are aliases of 2 and 3
        }
        bcd = (val & 1) != 0;
        waiting = true;
        nullCount = true;
        triggered = false;
        pausedTick = -1;
        writeMsbNext = false;
        readMsbNext = false;
    }

    /** Writes one byte of the count; returns true when a complete count was loaded. */
    boolean writeByte(int val, long tick) {
        val &= 0xFF;
        int newCount;
        switch (rwMode) {
            case RW_MSB -> newCount = val << 8;
            case RW_WORD -> {
                if (!writeMsbNext) {
                    writeLatch = val;
                    writeMsbNext = true;
                    if (mode == 0 && !waiting) {     // datasheet: the first byte stops mode 0
                        countRegister = value(tick);
                        waiting = true;
                    }
                    return false;
                }
                writeMsbNext = false;
                newCount = writeLatch | val << 8;
            }
            default -> newCount = val;
        }
        load(newCount, tick);
        return true;
    }

    private void load(int raw, long tick) {
        countRegister = raw;
        int n = bcd ? fromBcd(raw) : raw;
        if (n == 0) {
            n = modulus();
        }
        boolean wasCounting = !waiting && started();
        if ((mode == 2 || mode == 3) && wasCounting && gate && pausedTick < 0) {
            long d = tick - startTick;
            nextCount = n;
            switchTick = startTick + (d / count + 1) * count;
            nullCount = true;                 // until the count register reaches the counter
            return;
        }
        nextCount = 0;
        count = n;
        nullCount = false;
        waiting = false;
        // modes 1, 5 wait for a gate edge; 2, 3 running continue to the end of the period
        // in hardware: approximated by starting the new period now
        if (mode == 1 || mode == 5) {
            // armed for the next gate edge; a one-shot in progress keeps its start (its length
            // changes at once: the datasheet would defer the new count to the next trigger)
            triggered = wasCounting;
            return;
        }
        startTick = tick;
        pausedTick = (mode == 0 || mode == 4) && !gate ? tick : -1;
    }

    void setGate(boolean level, long tick) {
        sync(tick);
        boolean rising = level && !gate;
        boolean falling = !level && gate;
        gate = level;
        if (waiting) {
            return;
        }
        switch (mode) {
            case 0, 4 -> {
                if (falling) {
                    pausedTick = tick;
                } else if (rising && pausedTick >= 0) {
                    startTick += tick - pausedTick;
                    pausedTick = -1;
                }
            }
            case 1, 5 -> {
                if (rising) {
                    triggered = true;
                    startTick = tick;
                }
            }
            default -> {            // 2, 3: gate low holds OUT high; the rising edge reloads
                if (rising) {
                    startTick = tick;
                    pausedTick = -1;
                    if (nextCount != 0) {     // the gate edge loads a waiting count at once
                        count = nextCount;
                        nextCount = 0;
                        nullCount = false;
                    }
                } else if (falling) {
                    pausedTick = tick;
                }
            }
        }
    }

    void latchCount(long tick) {
        sync(tick);
        if (countLatched == 0) {
            int v = value(tick);
            latchedCount = bcd ? toBcd(v % 10000) : v & 0xFFFF;
            countLatched = rwMode;
        }
    }

    void latchStatus(long tick) {
        if (!statusLatched) {
            status = (out(tick) ? 0x80 : 0) | (nullCount ? 0x40 : 0) | rwMode << 4 | mode << 1 | (bcd ? 1 : 0);
            statusLatched = true;
        }
    }

    int readByte(long tick) {
        if (statusLatched) {
            statusLatched = false;
            return status;
        }
        if (countLatched != 0) {
            switch (countLatched) {
                case RW_MSB -> {
                    countLatched = 0;
                    return latchedCount >> 8 & 0xFF;
                }
                case RW_WORD -> {
                    countLatched = RW_MSB;
                    return latchedCount & 0xFF;
                }
                default -> {
                    countLatched = 0;
                    return latchedCount & 0xFF;
                }
            }
        }
        int v = value(tick);
        int c = bcd ? toBcd(v % 10000) : v & 0xFFFF;
        return switch (rwMode) {
            case RW_MSB -> c >> 8 & 0xFF;
            case RW_WORD -> {
                boolean msb = readMsbNext;
                readMsbNext = !readMsbNext;
                yield msb ? c >> 8 & 0xFF : c & 0xFF;
            }
            default -> c & 0xFF;
        };
    }

    static int fromBcd(int v) {
        return (v >> 12 & 0xF) * 1000 + (v >> 8 & 0xF) * 100 + (v >> 4 & 0xF) * 10 + (v & 0xF);
    }

    static int toBcd(int v) {
        return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
    }
}
