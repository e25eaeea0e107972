package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * xenstored in the real framework (issue 14): the backend API's Xenstore service, and the Gogo
 * xenstore-* commands over the same store.
 */
class XenstoreCommandTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Xenstore xenstore;

    @Test
    void commandsAndTheServiceShareOneStore() throws Exception {
        try (GogoSession gogo = new GogoSession(processor); XenstoreClient c = xenstore.connect()) {
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            AutoCloseable w = c.watch("/tool/it", "it", (path, token) -> events.add(path + " " + token));
            assertEquals("/tool/it it", events.poll(5, TimeUnit.SECONDS), "the initial event");

            gogo.run("xenstore-write /tool/it/a hello /tool/it/b/c deep");
            assertEquals("", gogo.err());
            assertEquals(0, gogo.get("xenstore.status"));
            assertEquals(Optional.of("hello"), c.read("/tool/it/a"));
            for (String created : new String[] {"/tool/it", "/tool/it/a", "/tool/it/b", "/tool/it/b/c"}) {
                assertEquals(created + " it", events.poll(5, TimeUnit.SECONDS));
            }
            assertEquals("hello\n", gogo.run("xenstore-read /tool/it/a"));
            assertEquals("a\nb\n", gogo.run("xenstore-list /tool/it"));
            assertEquals("a = \"hello\"\nb = \"\"\n c = \"deep\"\n", gogo.run("xenstore-ls /tool/it"));
            gogo.run("xenstore-exists /tool/it/none");
            assertEquals("xenstore-exists: ENOENT: could not access path /tool/it/none", gogo.err().strip());
            assertEquals(1, gogo.get("xenstore.status"));
            gogo.run("xenstore-chmod /tool/it/a x5");
            assertTrue(gogo.err().contains("EINVAL: bad permission 'x5'"), gogo.err());
            gogo.run("xenstore-chmod /tool/it/a n0 r5");
            assertEquals(List.of("n0", "r5"), c.permissions("/tool/it/a"));
            gogo.run("xenstore-read /tool/it//a");
            assertTrue(gogo.err().contains("EINVAL: empty element in path"), gogo.err());
            gogo.run("xenstore-write /tool/it/odd");
            assertTrue(gogo.err().startsWith("Usage: xenstore-write"), gogo.err());
            assertEquals(2, gogo.get("xenstore.status"));

            XenstoreTransaction tx = c.transaction();
            tx.read("/tool/it/a");
            tx.write("/tool/it/t", "from tx");
            gogo.run("xenstore-write /tool/it/a changed");
            assertTrue(!tx.commit(), "EAGAIN after the shell changed what the transaction read");
            assertEquals(Optional.empty(), c.read("/tool/it/t"));

            gogo.run("xenstore-rm /tool/it");
            assertEquals("", gogo.err());
            assertEquals(Optional.empty(), c.read("/tool/it"));
            w.close();
        }
    }
}
