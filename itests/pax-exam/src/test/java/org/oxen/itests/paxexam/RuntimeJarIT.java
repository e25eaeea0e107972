package org.oxen.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/**
 * The runtime as the README starts it: {@code java -jar runtime/target/oxen.jar} from the
 * repository root, a separate process whose stdout the test reads. The main job creates the demo
 * domains of runtime/domains; a script reads hello's console, destroys the demos, and checks the
 * frame pool is back to its size. Once scripted ({@code -Dgosh.args="--nointeractive -c ..."}),
 * once with the commands piped into stdin.
 */
public class RuntimeJarIT {

    private static Path root() {
        return Path.of(OxenOptions.required("oxen.repository.root")).toAbsolutePath().normalize();
    }

    private static String run(List<String> javaArgs, String stdin) throws Exception {
        Path jar = root().resolve("runtime/target/oxen.jar");
        assertTrue(jar + " missing: build the runtime first", Files.isRegularFile(jar));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Doxen.memory.mib=256");
        cmd.add("-Doxen.pcpus=1");
        // FileInstall watches an empty directory of its own, not runtime/deploy (whatever a user left there)
        Path deploy = Files.createTempDirectory("oxen-deploy");
        deploy.toFile().deleteOnExit();
        cmd.add("-Dfelix.fileinstall.dir=" + deploy);
        cmd.addAll(javaArgs);
        cmd.add("-jar");
        cmd.add(jar.toString());
        File out = File.createTempFile("oxen-runtime", ".out");
        Process p = new ProcessBuilder(cmd).directory(root().toFile()).redirectErrorStream(true)
                .redirectOutput(out).start();
        try {
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            boolean ended = p.waitFor(120, TimeUnit.SECONDS);
            String text = Files.readString(out.toPath());
            assertTrue("runtime did not stop:\n" + text, ended);
            return text;
        } finally {
            p.destroyForcibly();
            out.delete();
        }
    }

    private static final String SCRIPT = "xl shutdown -w hello; xl console hello; xl console cpubench; xl list; "
            + "xl info; xl create -p runtime/domains/hello.cfg name=h2; xl domid h2; xl domname 4; xl pause h2; "
            + "xl unpause h2; xl unpause h2; xl shutdown -w h2; xl console h2; xl vcpu-list h2; xl uptime h2; "
            + "xl top -b -i 1 -d 0.2; xl list -l h2; xl dmesg; xl destroy h2; "
            + "xl destroy hello; xl destroy cpubench; xl destroy demo; xl list; xl info; xl console h2; stop 0";

    private static void checkDemo(String raw) {
        String out = raw.replaceAll("(?m)^(g! )+", ""); // piped stdin: Gogo's prompt precedes each output
        assertTrue(out, out.contains("oxen: created domain 'cpubench' (id 1) from runtime/domains/cpubench.cfg"));
        assertTrue(out, out.contains("oxen: created domain 'demo' (id 2) from runtime/domains/demo.cfg"));
        assertTrue(out, out.contains("oxen: created domain 'hello' (id 3) from runtime/domains/hello.cfg"));
        assertTrue(out, out.contains("hello: flavor=pv\n"));
        // the demo waits for xl shutdown, answers control/shutdown and powers off cleanly
        assertTrue(out, out.contains("Shutting down domain 3"));
        assertTrue(out, out.contains("hello: waiting for xl shutdown or xl reboot"));
        assertTrue(out, out.contains("shutdown: poweroff requested through control/shutdown"));
        assertTrue(out, out.contains("Domain 3 has been shut down, reason code 0 (poweroff)"));
        assertTrue(out, out.contains("Domain 4 has been shut down, reason code 0 (poweroff)"));
        // hello's console, cpubench's, h2's, and h2's again after its end (the backend's log)
        assertEquals(out, 4, out.split("\n(g! )*RESULT: PASS\n", -1).length - 1);
        assertTrue(out, out.contains("cpubench: flavor=pv"));
        assertTrue(out, out.contains(String.format("\n%-40s %5d %5d %5d     ---s--  ", "hello", 3, 16, 1)));
        assertTrue(out, out.contains("Parsing config from runtime/domains/hello.cfg\n"));
        assertTrue(out, out.contains("\n4\n") && out.contains("\nh2\n")); // domid, domname
        assertTrue(out, out.contains(String.format("%-32s %5d %5d", "h2", 4, 0))); // vcpu-list
        assertTrue(out, out.contains(String.format("%-33s %4d  0:00:", "h2", 4))); // uptime
        assertTrue(out, out.contains("      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)")); // top
        assertTrue(out, out.contains("\"name\": \"h2\"")); // list -l
        // dmesg: the hypervisor's log (the guests' own output is on their console rings)
        assertTrue(out, out.contains("d4: created 'h2'"));
        List<Map<String, String>> infos = new ArrayList<>();
        Map<String, String> cur = null;
        for (String line : out.split("\n")) {
            line = line.replaceFirst("^(g! )+", ""); // piped stdin: Gogo prints its prompt before each output
            if (line.startsWith("host                   : ")) {
                cur = new TreeMap<>();
                infos.add(cur);
            }
            int c = line.indexOf(" : ");
            if (cur != null && c > 0) {
                cur.put(line.substring(0, c).strip(), line.substring(c + 3).strip());
            }
        }
        assertEquals(out, 2, infos.size());
        long pool = Long.parseLong(infos.get(1).get("pool_frames"));
        long freeBefore = Long.parseLong(infos.get(0).get("free_frames"));
        long freeAfter = Long.parseLong(infos.get(1).get("free_frames"));
        // hello, cpubench and demo: each its memory + shared_info, per-domain L1, grant frame
        assertEquals(out, 3 * (16 * 256 + 3), freeAfter - freeBefore);
        assertEquals(out, pool, freeAfter);
        String lastList = out.substring(out.lastIndexOf("Name                                        ID"));
        assertTrue(lastList, !lastList.contains("\nhello ") && !lastList.contains("\ncpubench ")
                && !lastList.contains("\ndemo "));
    }

    @Test
    public void scriptedRunReadsTheDemoConsoleAndReturnsEveryFrame() throws Exception {
        checkDemo(run(List.of("-Dgosh.args=--nointeractive -c '" + SCRIPT + "'"), null));
    }

    @Test
    public void pipedCommandsWorkToo() throws Exception {
        checkDemo(run(List.of(), SCRIPT.replace("; ", "\n") + "\n"));
    }
}
