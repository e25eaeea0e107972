package org.oxen.vmm.core.save;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.core.Vmm;

/**
 * A live migration between two hypervisors of one JVM, as the HVM tests make it: the target
 * restores from a pipe on another thread while the source saves live into it (pre-copy rounds
 * under log-dirty, at most five, then the stop-and-copy after {@code suspend}).
 */
final class LiveMoves {

    /** What a move gave: the source's save, its rounds, and the target's domain (paused). */
    record Moved(DomainSaveRestore.Saved saved, List<DomainSaveRestore.Round> rounds, Domain domain) {
    }

    private LiveMoves() {
    }

    static Moved move(Vmm from, Vmm to, Domain src, DomainSaveRestore.Suspender suspend) throws Exception {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        CompletableFuture<DomainSaveRestore.Restored> target = CompletableFuture.supplyAsync(() -> {
            try (in) {
                return to.restore(in, n -> n);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        List<DomainSaveRestore.Round> rounds = new CopyOnWriteArrayList<>();
        DomainSaveRestore.Saved saved;
        try (out) {
            saved = from.saveLive(src.id(), out, new byte[0], new DomainSaveRestore.LiveOptions(5, 0), suspend, rounds::add);
        }
        return new Moved(saved, rounds, target.get(120, TimeUnit.SECONDS).domain());
    }
}
