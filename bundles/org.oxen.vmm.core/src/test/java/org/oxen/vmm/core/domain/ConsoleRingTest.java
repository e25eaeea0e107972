package org.oxen.vmm.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The console ring grows with the output up to its capacity, then keeps the last bytes. */
class ConsoleRingTest {

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void keepsEverythingUntilFullThenTheLastCapacityBytes() {
        ConsoleRing r = new ConsoleRing(1000);
        List<String> seen = new ArrayList<>();
        r.addListener(seen::add);
        assertEquals("", r.contents());
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String line = "line " + i + " \u00e9\n"; // ISO-8859-1 survives
            byte[] b = bytes("xx" + line + "yy");
            r.append(b, 2, b.length - 4);
            all.append(line);
            String want = all.length() <= 1000 ? all.toString() : all.substring(all.length() - 1000);
            assertEquals(want, r.contents(), "after line " + i);
        }
        assertEquals(300, seen.size());
        assertEquals("line 299 \u00e9\n", seen.get(299));
        byte[] big = bytes("z".repeat(2500) + "end");
        r.append(big, 0, big.length);
        assertEquals("z".repeat(997) + "end", r.contents(), "one append larger than the ring keeps its tail");
        assertThrows(IndexOutOfBoundsException.class, () -> r.append(big, 10, big.length));
    }
}
