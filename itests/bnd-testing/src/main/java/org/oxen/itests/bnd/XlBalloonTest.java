package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;

/**
 * Ballooning as a user drives it, in a real Felix: {@code xl mem-set} writes memory/target, the
 * guest kit's balloon driver (the {@code memtarget} program) gives pages back and takes them back
 * and re-verifies every page it holds, and {@code xl info}, {@code xl list} and the hypervisor
 * report it; a guest that ignores the target keeps what it holds; a page Domain-0 has mapped
 * through a grant and a page table cannot be ballooned out; {@code xl mem-max} and the refusals.
 */
class XlBalloonTest extends XlSessionTest {

    private static final Pattern FOLLOWED = Pattern.compile("memtarget: target (\\d+) KiB: reservation (\\d+) pages,"
            + " moved (-?\\d+), ballooned (\\d+), refused (\\d+), short (\\d+), verified (\\d+) pages\n");
    private static final Pattern READY = Pattern.compile("memtarget: ready: (\\d+) data pages \\[(\\d+), (\\d+)\\),"
            + " reservation (\\d+) pages\n");

    @InjectService(timeout = 10_000)
    GrantTables grants;

    @Override
    String domainPrefix() {
        return "bl-";
    }

    private Domain create(String name, String extra, int memory, int maxmem) throws Exception {
        return createFromConfig(name, "kernel = \"guest:memtarget\"\nmemory = " + memory + "\nmaxmem = " + maxmem
                + "\nextra = \"" + extra + "\"\non_poweroff = \"preserve\"\n");
    }

    /** Waits until the guest has printed {@code n} lines matching {@code p} on its PV console; returns the last. */
    private static Matcher await(Domain d, Pattern p, int n) throws Exception {
        return await(() -> GuestOutput.of(d), p, n);
    }

    /** Waits until {@code output} has {@code n} lines matching {@code p}; returns the last. */
    private static Matcher await(java.util.function.Supplier<String> output, Pattern p, int n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            String out = output.get();
            Matcher m = p.matcher(out);
            int seen = 0;
            Matcher last = null;
            while (m.find()) {
                seen++;
                last = p.matcher(out);
                last.find(m.start());
            }
            if (seen >= n) return last;
            assertTrue(!out.contains("RESULT: FAIL"), out);
            assertTrue(System.nanoTime() < end, "no line " + n + " matching " + p + ":\n" + out);
            Thread.sleep(20);
        }
    }

    private String xl(String line) throws Exception {
        String out = gogo.run(line);
        assertEquals(0, gogo.get("xl.status"), line + ": " + gogo.err());
        return out;
    }

    private long freeMemoryMiB() throws Exception {
        Matcher m = Pattern.compile("(?m)^free_memory\\s+: (\\d+)$").matcher(xl("xl info"));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    private int listedMiB(String name) throws Exception {
        String[] row = xl("xl list " + name).lines().skip(1).findFirst().orElseThrow().trim().split("\\s+");
        assertEquals(name, row[0]);
        return Integer.parseInt(row[2]);
    }

    private Optional<String> node(Domain d, String rel) throws Exception {
        return xs.read("/local/domain/" + d.id() + "/" + rel);
    }

    @Test
    void memSetDownAndUpThreeTimesTheDriverFollowsAndKeepsItsData() throws Exception {
        Domain d = create("bl-mem", "", 16, 24);
        Matcher ready = await(d, READY, 1);
        int data = Integer.parseInt(ready.group(1));
        assertEquals(4096, Integer.parseInt(ready.group(4)));
        assertEquals(6144, Integer.parseInt(ready.group(3)), "its pseudo-physical space reaches maxmem");
        assertEquals(Optional.of("16384"), node(d, "memory/target"), "libxl__build_post: memory less videoram");
        assertEquals(Optional.of("24576"), node(d, "memory/static-max"));
        assertEquals(Optional.of("0"), node(d, "memory/videoram"));
        assertEquals(16384 + 1024, d.maxMemoryKiB(), "libxl__build_pre: target + LIBXL_MAXMEM_CONSTANT");
        Matcher initial = await(d, FOLLOWED, 1); // the watch's first event: nothing to do
        assertEquals("0", initial.group(3));
        assertEquals("2048", initial.group(4), "the pfns from memory to maxmem start ballooned");
        assertEquals(data, Integer.parseInt(initial.group(7)), "every data page checked");
        int lines = 1;
        for (int round = 1; round <= 3; round++) {
            long free = hv.freeFrames();
            long freeMiB = freeMemoryMiB();
            xl("xl mem-set bl-mem 12m");
            assertEquals(Optional.of("12288"), node(d, "memory/target"));
            assertEquals(Optional.of("12"), xs.read("/vm/" + d.uuid() + "/memory"));
            assertEquals(12288 + 1024, d.maxMemoryKiB(), "mem-set enforces: the maximum follows the target");
            Matcher down = await(d, FOLLOWED, ++lines);
            assertEquals("12288", down.group(1));
            assertEquals("3072", down.group(2));
            assertEquals("-1024", down.group(3), "round " + round);
            assertEquals("0", down.group(5));
            assertEquals(data - 1024, Integer.parseInt(down.group(7)), "every page still held re-verified");
            assertEquals(3072, d.memoryPages());
            assertEquals(free + 1024, hv.freeFrames(), "the frames are back in the pool at once");
            assertEquals(freeMiB + 4, freeMemoryMiB(), "xl info free_memory");
            assertEquals(12, listedMiB("bl-mem"), "xl list Mem");

            xl("xl mem-set bl-mem 16384k");
            assertEquals(Optional.of("16384"), node(d, "memory/target"));
            Matcher up = await(d, FOLLOWED, ++lines);
            assertEquals("4096", up.group(2));
            assertEquals("1024", up.group(3), "round " + round);
            assertEquals("0", up.group(6));
            assertEquals(data, Integer.parseInt(up.group(7)));
            assertEquals(4096, d.memoryPages());
            assertEquals(free, hv.freeFrames());
            assertEquals(freeMiB, freeMemoryMiB());
            assertEquals(16, listedMiB("bl-mem"));
        }
        // above its initial memory, up to static-max: the pfns it never had get frames
        long free = hv.freeFrames();
        long freeMiB = freeMemoryMiB();
        for (int mib : new int[] {20, 24}) {
            xl("xl mem-set bl-mem " + mib + "m");
            assertEquals((mib + 1) * 1024L, d.maxMemoryKiB());
            Matcher up = await(d, FOLLOWED, ++lines);
            assertEquals(Integer.toString(mib * 256), up.group(2));
            assertEquals("1024", up.group(3));
            assertEquals("0", up.group(6), "nothing short");
            int grown = (mib - 16) * 256;
            assertEquals(data + grown, Integer.parseInt(up.group(7)), "the new pages came zeroed, then filled");
            assertEquals(mib * 256, d.memoryPages());
            assertEquals(free - grown, hv.freeFrames());
            assertEquals(freeMiB - (mib - 16), freeMemoryMiB());
            assertEquals(mib, listedMiB("bl-mem"));
        }
        gogo.run("xl mem-set bl-mem 25m");
        assertEquals(1, gogo.get("xl.status"), "above static-max");
        gogo.run("xl shutdown -w bl-mem");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason());
        String out = GuestOutput.of(d);
        assertTrue(out.contains("memtarget: verified " + (data + 2048) + " pages\nRESULT: PASS"), out);
    }

    @Test
    void aGuestThatIgnoresTheTargetKeepsWhatItHoldsAndGetsNoMore() throws Exception {
        Domain d = create("bl-stubborn", "ignore=1", 16, 16);
        Pattern ignoring = Pattern.compile("memtarget: ignoring target (\\d+) KiB: reservation (\\d+) pages, increase"
                + " by 1 -> (\\d+) extents \\(maximum (\\d+) pages\\), verified (\\d+) pages\n");
        Matcher first = await(d, ignoring, 1);
        assertEquals("1", first.group(3), "below its maximum (target + 1 MiB) a page is granted");
        long free = hv.freeFrames();
        long freeMiB = freeMemoryMiB();
        xl("xl mem-set bl-stubborn 8m");
        Matcher m = await(d, ignoring, 2);
        assertEquals("8192", m.group(1));
        assertEquals("4096", m.group(2), "it keeps what it holds");
        assertEquals("0", m.group(3), "over its maximum it gets nothing");
        assertEquals(Integer.toString((8192 + 1024) / 4), m.group(4));
        assertEquals(4096, d.memoryPages());
        assertEquals(free, hv.freeFrames());
        assertEquals(freeMiB, freeMemoryMiB());
        assertEquals(16, listedMiB("bl-stubborn"), "the toolstack cannot force it");

        // xl mem-max: below the target is refused (libxl), at or above it sets the maximum (+1 MiB)
        gogo.run("xl mem-max bl-stubborn 4m");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("memory_static_max must be greater than or equal to memory_dynamic_max"),
                gogo.err());
        assertTrue(gogo.err().contains("cannot set domid " + d.id() + " static max memory to : 4m"), gogo.err());
        assertEquals(8192 + 1024, d.maxMemoryKiB(), "unchanged");
        xl("xl mem-max bl-stubborn 10m");
        assertEquals(10240 + 1024, d.maxMemoryKiB());
        assertEquals(Optional.of("16384"), node(d, "memory/static-max"), "mem-max leaves static-max alone");
        assertEquals(4096, d.memoryPages(), "a maximum below what it holds is accepted, as Xen does");

        // bad input: a clear error, nothing changed
        gogo.run("xl mem-set bl-stubborn 17m");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("memory_dynamic_max must be less than or equal to memory_static_max"),
                gogo.err());
        assertTrue(gogo.err().contains("cannot set domid " + d.id() + " dynamic max memory to : 17m"), gogo.err());
        gogo.run("xl mem-set bl-stubborn 12x");
        assertEquals(1, gogo.get("xl.status"));
        assertEquals("invalid memory size: 12x", gogo.err().strip());
        gogo.run("xl mem-set bl-stubborn -8m");
        assertEquals(1, gogo.get("xl.status"));
        gogo.run("xl mem-set nosuch 8m");
        assertEquals(1, gogo.get("xl.status"));
        assertEquals("nosuch is an invalid domain identifier (rc=-6)", gogo.err().strip());
        gogo.run("xl mem-set Domain-0 1g");
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("Domain-0 is oxen's host"), gogo.err());
        gogo.run("xl mem-set bl-stubborn");
        assertEquals(1, gogo.get("xl.status"), "usage");
        assertEquals(Optional.of("8192"), node(d, "memory/target"));
        assertEquals(10240 + 1024, d.maxMemoryKiB());
    }

    @Test
    void aPageMappedByDomain0AndAPageTableAreNotBallooned() throws Exception {
        Domain d = create("bl-pinned", "grant=1 pt=1", 16, 16);
        Matcher g = await(d, Pattern.compile("memtarget: granted pfn (\\d+) mfn (\\d+) ref 8\n"), 1);
        int grantedPfn = Integer.parseInt(g.group(1));
        Matcher ready = await(d, READY, 1);
        int data = Integer.parseInt(ready.group(1));
        await(d, FOLLOWED, 1);
        GrantMapping map = grants.map(d.id(), 8, false);
        try {
            int tag = 0x6d656d00 ^ (grantedPfn * 0x9e3779b1);
            assertEquals(tag, map.page().getInt(0), "Domain-0 sees the guest's pattern");
            assertEquals(tag ^ 1023, map.page().getInt(4092));
            xl("xl mem-set bl-pinned 4m");
            Matcher down = await(d, FOLLOWED, 2);
            int given = Math.min(4096 - 1024, data - 2); // the highest pages first: the two refused ones
            assertEquals("2", down.group(5), "the granted page and the page table were refused");
            assertEquals(Integer.toString(given), down.group(4));
            assertEquals(4096 - given, d.memoryPages());
            assertEquals(Integer.toString(data - given), down.group(7), "what it kept is intact");
            assertEquals(tag, map.page().getInt(0), "the mapping still shows the guest's page");
        } finally {
            map.unmap();
        }
        xl("xl mem-set bl-pinned 16m");
        Matcher up = await(d, FOLLOWED, 3);
        assertEquals("4096", up.group(2));
        xl("xl mem-set bl-pinned 4m");
        Matcher again = await(d, FOLLOWED, 4);
        assertEquals("1", again.group(5), "once unmapped the granted page goes; the page table stays");
        int given = Math.min(4096 - 1024, data - 1);
        assertEquals(4096 - given, d.memoryPages());
        assertEquals(Integer.toString(data - given), again.group(7));
    }

    /**
     * {@code xl mem-set} of an HVM domain, as Xen's toolstack does it for HVM guests (the balloon
     * target in xenstore, the maximum following it): the kit's native hvmballoon, after its own
     * checks of the reservation ops by GFN, follows memory/target through its hypercall page and
     * xenstore ring, down and up and above its initial memory to static-max, re-verifying every
     * page it holds; {@code xl list}, {@code xl info} and the frame pool follow each step.
     */
    @Test
    void memSetOfAnHvmDomainTheGuestBalloonsByGfnAndTheAccountingFollows() throws Exception {
        Pattern followed = Pattern.compile("hvmballoon: domain \\d+ target (\\d+) KiB: reservation (\\d+) pages, moved"
                + " (\\d+), refused (\\d+), verified (\\d+) pages\r?\n");
        Domain d = createFromConfig("bl-hvm", "type = \"hvm\"\nkernel = \"guest-native:hvmballoon\"\nmemory = 16\n"
                + "maxmem = 24\nextra = \"targets=4\"\non_poweroff = \"preserve\"\n");
        assertEquals(16384 + 1024, d.maxMemoryKiB(), "libxl__build_pre: target + LIBXL_MAXMEM_CONSTANT");
        assertEquals(Optional.of("16384"), node(d, "memory/target"));
        assertEquals(Optional.of("24576"), node(d, "memory/static-max"));
        // its own checks end with the reservation at RAM + the two special pages - the page shared_info
        // replaced + the frame increase_reservation added; the first target takes it to 16 MiB exactly
        Matcher first = await(d::consoleOutput, followed, 1);
        assertEquals("16384", first.group(1));
        assertEquals("4096", first.group(2));
        assertEquals("2", first.group(3));
        assertEquals("3070", first.group(5), "every pool page it holds re-verified");
        assertEquals(4096, d.memoryPages());
        assertEquals(16, listedMiB("bl-hvm"));
        // target, reservation, pages moved, pages verified, frames back in the pool (20m: 1026 pool pages
        // given back before and 1022 above RAM populated)
        String[][] steps = {{"12m", "3072", "1024", "2046", "1024"}, {"20m", "5120", "2048", "4094", "-2048"},
            {"16m", "4096", "1024", "3070", "1024"}};
        int lines = 1;
        for (String[] step : steps) {
            long free = hv.freeFrames();
            long freeMiB = freeMemoryMiB();
            xl("xl mem-set bl-hvm " + step[0]);
            int mib = Integer.parseInt(step[0].replace("m", ""));
            assertEquals((mib + 1) * 1024L, d.maxMemoryKiB(), "mem-set enforces: the maximum follows the target");
            Matcher m = await(d::consoleOutput, followed, ++lines);
            assertEquals(Integer.toString(mib * 1024), m.group(1));
            assertEquals(step[1], m.group(2), step[0]);
            assertEquals(step[2], m.group(3), step[0]);
            assertEquals("0", m.group(4), step[0] + ": nothing refused below the maximum");
            assertEquals(step[3], m.group(5), step[0]);
            int pages = Integer.parseInt(step[1]);
            assertEquals(pages, d.memoryPages());
            int back = Integer.parseInt(step[4]);
            assertEquals(free + back, hv.freeFrames(), step[0] + ": the frames went to or came from the pool at once");
            assertEquals(freeMiB + back / 256, freeMemoryMiB(), "xl info free_memory");
            assertEquals(mib, listedMiB("bl-hvm"), "xl list Mem");
        }
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
        assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason());
        assertTrue(d.consoleOutput().strip().endsWith("RESULT: PASS"), d.consoleOutput());
    }
}
