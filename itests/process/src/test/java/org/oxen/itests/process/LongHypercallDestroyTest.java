package org.oxen.itests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24 F4 as the user saw it, on the exported jar: {@code xl destroy} of a domain
 * inside a multicall of 13.1M mmu_update requests (the kit's {@code hostile attack=long_mmu}),
 * then {@code stop 0} while another such domain is inside one. Before hypercalls continued
 * themselves, the destroy failed after 10 s ("did not leave its pCPU"), the domain stayed
 * dying with its frames for good, and {@code stop 0} logged IllegalStateExceptions from
 * unbindScheduler.
 */
class LongHypercallDestroyTest {

    @TempDir
    Path dir;

    private static final Pattern FREE_FRAMES = Pattern.compile("(?m)^free_frames\\s*:\\s*(\\d+)$");

    @Test
    void destroyMidMulticallCompletesAndReturnsEveryFrame_F4() throws Exception {
        for (String name : List.of("busy1", "busy2")) {
            Files.writeString(dir.resolve(name + ".cfg"), "name = \"" + name + "\"\nkernel = \"guest:hostile\"\nmemory = 32\n"
                    + "cmdline = \"attack=long_mmu reqs=13100000 forever=1\"\n");
        }
        // busy2 runs on to the end (stop 0 meets it inside a multicall); free frames are counted
        // after it exists, then busy1 comes and goes
        OxenProcess.Result r = OxenProcess.script(dir,
                "xl create busy2.cfg; xl info; xl create busy1.cfg; xl console -w 5 busy1; "
                        + "xl destroy busy1; xl list; xl info; xl console -w 1 busy2; stop 0",
                List.of("-Doxen.domains.dir=none"), Map.of(), 120);
        assertEquals(0, r.status(), "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        String out = r.out();
        int running = out.indexOf("hostile: long multicalls running (13100000 requests each)");
        assertTrue(running >= 0, "busy1 never reached its multicalls:\n" + out);
        Matcher m = FREE_FRAMES.matcher(out);
        assertTrue(m.find(), out);
        long before = Long.parseLong(m.group(1));
        assertTrue(m.find(), out);
        long after = Long.parseLong(m.group(1));
        assertEquals(before, after, "free frames before busy1 and after its destroy");
        String list = out.substring(running);
        assertFalse(list.lines().anyMatch(l -> l.startsWith("busy1 ")), "busy1 still listed:\n" + list);
        assertTrue(list.lines().anyMatch(l -> l.startsWith("busy2 ")), "busy2 gone too early:\n" + list);
        for (String text : List.of(out, r.err())) {
            assertFalse(text.contains("Exception") || text.contains("did not leave") || text.contains("BUG"), text);
        }
    }
}
