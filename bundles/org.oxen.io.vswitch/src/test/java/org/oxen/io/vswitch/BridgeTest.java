package org.oxen.io.vswitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.oxen.io.vswitch.internal.Switches;

/**
 * The learning bridge, step by step on a deterministic clock: flooding of broadcast and unknown
 * destinations, learning from sources, unicast to the learned port only, filtering back to the
 * source port, ageing after 300 s, forgetting a detached port, the counters of each port, frames
 * refused for their length, and drops when a sink is full.
 */
class BridgeTest {

    static final long M1 = 0x00163e000001L, M2 = 0x00163e000002L, M3 = 0x00163e000003L, BCAST = 0xFFFFFFFFFFFFL;

    /** A sink that records the source MAC of each frame it takes, and refuses while full. */
    static final class Recorder implements FrameSink {
        final List<Long> got = new ArrayList<>();
        boolean full;

        @Override
        public synchronized boolean deliver(byte[] frame, int offset, int length) {
            if (full) return false;
            got.add(MacAddress.read(frame, offset + 6));
            return true;
        }

        synchronized List<Long> take() {
            List<Long> l = List.copyOf(got);
            got.clear();
            return l;
        }
    }

    @Test
    void floodsLearnsForwardsAgesAndCounts() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Switches sw = new Switches(now::get, () -> 0, m -> {
            throw new AssertionError(m);
        });
        Bridge br = sw.bridge("xenbr0");
        assertEquals(br, sw.bridge("xenbr0"), "one bridge per name");
        Recorder r1 = new Recorder(), r2 = new Recorder(), r3 = new Recorder();
        SwitchPort p1 = br.attach("vif1.0", r1), p2 = br.attach("vif2.0", r2), p3 = br.attach("vif3.0", r3);
        assertThrows(IllegalArgumentException.class, () -> br.attach("vif1.0", r1));

        // broadcast from M1: flooded to the others; M1 learned on p1
        p1.send(Frames.ethernet(BCAST, M1, 0x0806, 28), 0, 42);
        assertEquals(List.of(), r1.take());
        assertEquals(List.of(M1), r2.take());
        assertEquals(List.of(M1), r3.take());
        assertEquals(1, br.learnedAddresses());

        // M2 answers M1: to p1 only; M2 learned
        p2.send(Frames.ethernet(M1, M2, 0x0800, 100), 0, 114);
        assertEquals(List.of(M2), r1.take());
        assertEquals(List.of(), r3.take());
        // M1 to M2: to p2 only
        p1.send(Frames.ethernet(M2, M1, 0x0800, 100), 0, 114);
        assertEquals(List.of(M1), r2.take());
        assertEquals(List.of(), r3.take());
        // unknown M3: flooded
        p1.send(Frames.ethernet(M3, M1, 0x0800, 50), 0, 64);
        assertEquals(List.of(M1), r2.take());
        assertEquals(List.of(M1), r3.take());
        // a frame to a MAC learned on the port it came from goes nowhere
        p2.send(Frames.ethernet(M2, M3, 0x0800, 50), 0, 64); // M3 now learned on p2
        assertEquals(List.of(), r1.take(), "filtered: M2 lives on the port the frame came from");
        assertEquals(List.of(), r3.take());
        assertEquals(3, br.learnedAddresses());

        // 300 s without a frame from M1: aged out, frames to it are flooded again
        now.addAndGet(Bridge.AGEING_NANOS);
        p2.send(Frames.ethernet(M1, M2, 0x0800, 50), 0, 64);
        assertEquals(List.of(M2), r1.take());
        assertEquals(List.of(M2), r3.take(), "M1 aged out: flooded");
        assertEquals(1, br.learnedAddresses(), "only M2, just seen");

        // lengths: a runt and a jumbo are errors of the port they came from
        p3.send(new byte[13], 0, 13);
        p3.send(new byte[1519], 0, 1519);
        assertEquals(List.of(), r1.take());
        // a full sink drops, counted on its port
        r1.full = true;
        p3.send(Frames.ethernet(BCAST, M3, 0x0806, 28), 0, 42);
        r1.full = false;
        assertEquals(List.of(M3), r2.take());

        assertEquals(new PortCounters(3, 42 + 114 + 64, 2, 114 + 64, 1, 0), p1.counters());
        assertEquals(new PortCounters(3, 114 + 64 + 64, 4, 42 + 114 + 64 + 42, 0, 0), p2.counters());
        assertEquals(new PortCounters(1, 42, 3, 42 + 64 + 64, 0, 2), p3.counters());

        // a detached port's addresses are forgotten and it gets nothing more
        p1.send(Frames.ethernet(M2, M1, 0x0800, 50), 0, 64); // M1 learned on p1 again
        r2.take();
        p1.close();
        assertEquals(List.of(p2, p3), br.ports());
        p2.send(Frames.ethernet(M1, M2, 0x0800, 50), 0, 64);
        assertEquals(List.of(), r1.take());
        assertEquals(List.of(M2), r3.take(), "M1 forgotten with its port: flooded");
        p1.send(Frames.ethernet(BCAST, M1, 0x0806, 28), 0, 42);
        assertEquals(List.of(), r2.take(), "a closed port sends nothing");
        assertThrows(IllegalArgumentException.class, () -> sw.bridge("no spaces"));
        assertThrows(IllegalArgumentException.class, () -> sw.bridge("a-name-longer-than-15"));
        sw.shutdown();
        assertEquals(List.of(), br.ports());
    }

    @Test
    void macAddressesParseAndFormat() {
        assertEquals(0x00163e0a0b0cL, MacAddress.parse("00:16:3e:0a:0b:0c"));
        assertEquals(0x00163e0a0b0cL, MacAddress.parse("00:16:3E:0A:0B:0C"));
        assertEquals("00:16:3e:0a:0b:0c", MacAddress.format(0x00163e0a0b0cL));
        assertTrue(MacAddress.isGroup(BCAST));
        for (String bad : new String[] {"", "00:16:3e:0a:0b", "00-16-3e-0a-0b-0c", "00:16:3e:0a:0b:0g", "00:16:3e:0a:0b:0c:"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
