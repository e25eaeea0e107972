package org.oxen.toolstack.xl.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainSaveRestore;

/**
 * {@code xl restore [-p] <CheckpointFile> [name=NAME]} (libxl_domain_create_restore): a domain
 * from a file {@code xl save} wrote, on this runtime or another, with its xenstore nodes and its
 * disks (on a path this runtime sees) and vifs, then unpaused (with {@code -p} left paused). A file of another format or version, corrupted or
 * truncated is refused with the reader's message and nothing is created.
 */
@Component(service = XlSubcommand.class)
public final class RestoreCommand extends DomainSubcommand {

    private final Toolstack toolstack;
    private final DomainSaveRestore restorer;

    @Activate
    public RestoreCommand(@Reference Toolstack toolstack, @Reference DomainSaveRestore restorer) {
        this.toolstack = toolstack;
        this.restorer = restorer;
    }

    @Override
    public String name() {
        return "restore";
    }

    /** Where the restore's progress goes (the shell prints it too). */
    @Reference
    private org.oxen.vmm.api.jobs.Jobs jobs;

    @Override
    public String summary() {
        return "Restore a domain from a saved state";
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // the open below says what is wrong
        }
    }

    @Override
    public String usage() {
        return "[options] <CheckpointFile> [name=NAME]\n\n"
                + "-p  Do not unpause domain after restoring it.";
    }

    @Override
    public String shortOptions() {
        return "p";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        if (inv.operands().isEmpty()) throw new XlUsageException("'restore' requires a file");
        String name = null;
        for (String kv : inv.operands().subList(1, inv.operands().size())) {
            if (!kv.startsWith("name=")) {
                throw new XlUsageException("'" + kv + "': xl restore takes name=NAME only (the rest comes from the file)");
            }
            name = kv.substring(5);
        }
        Path file = CreateCommand.relativeTo(inv.workingDirectory(), Path.of(inv.operands().get(0)));
        DomainSaveRestore.Restored r;
        long size = Files.isRegularFile(file) ? sizeOf(file) : 0;
        try (org.oxen.vmm.api.jobs.Job job = jobs.start("restore", file.toString(), size);
                InputStream in = org.oxen.toolstack.xl.internal.jobs.ProgressStreams.counting(
                        new BufferedInputStream(Files.newInputStream(file), 1 << 20), job, inv.err(), "xl restore", size)) {
            String chosen = name;
            r = restorer.restore(in, saved -> chosen != null ? chosen : saved);
        } catch (NoSuchFileException e) {
            throw new XlError("Cannot restore from " + file + ": no such file");
        } catch (IOException e) {
            throw new XlError("Cannot restore from " + file + ": " + e.getMessage());
        } catch (DomainBuildException | IllegalArgumentException e) {
            throw new XlError("Cannot restore from " + file + ": " + e.getMessage());
        }
        finish(toolstack, r, r.domain().name(), !inv.options().has("p"));
        inv.err().printf("Restored domain %d (%s): %d pages in %d ms%n", r.domain().id(), r.domain().name(), r.pages(),
                r.nanos() / 1_000_000);
        return 0;
    }

    /**
     * The restored domain's xenstore nodes and its disks and vifs (new backends, which its
     * frontends reconnect to when it runs), its config's plan (its on_poweroff, on_reboot and
     * on_crash apply to it under {@code name}, what it is or will be called), then unpaused if
     * asked; destroyed if that fails.
     */
    static void finish(Toolstack toolstack, DomainSaveRestore.Restored r, String name, boolean unpause)
            throws XlError, InterruptedException {
        try {
            DomainSuspend.Restored saved = DomainSuspend.restoreNodes(toolstack.xenstore(), r.toolstack(), r.domain());
            DomainDevices.add(toolstack.xenstore(), r.domain().id(), saved.devices());
            if (saved.config().isPresent()) toolstack.adopt(r.domain(), saved.config().get(), name);
        } catch (XlError | InterruptedException e) {
            toolstack.destroy(r.domain());
            throw e;
        }
        if (unpause) toolstack.hypervisor().unpause(r.domain().id());
    }
}
