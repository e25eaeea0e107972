package org.oxen.toolstack.xl.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.Hypervisor;

/**
 * {@code xl save [-c] [-p] <Domain> <CheckpointFile>} (libxl_domain_suspend): the guest is asked to
 * suspend, its state and xenstore nodes are written to the file (oxen's stream,
 * docs/migration-stream.md), then the domain is destroyed, or with {@code -c} goes on, or with
 * {@code -p} is left paused (resumed in place: its suspend hypercall returns 1). A save that
 * fails resumes the domain and removes the file.
 */
@Component(service = XlSubcommand.class)
public final class SaveCommand extends DomainSubcommand {

    private final Toolstack toolstack;
    private final DomainSaveRestore saver;
    /** Where the save's progress goes (the shell prints it too). */
    @Reference
    private org.oxen.vmm.api.jobs.Jobs jobs;

    @Activate
    public SaveCommand(@Reference Toolstack toolstack, @Reference DomainSaveRestore saver) {
        this.toolstack = toolstack;
        this.saver = saver;
    }

    @Override
    public String name() {
        return "save";
    }

    @Override
    public String summary() {
        return "Save a domain state to restore later";
    }

    @Override
    public String usage() {
        return "[options] <Domain> <CheckpointFile>\n\n"
                + "-c  Leave domain running after creating the snapshot.\n"
                + "-p  Leave domain paused after creating the snapshot.";
    }

    @Override
    public String shortOptions() {
        return "cp";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        if (inv.operands().size() != 2) {
            throw new XlUsageException(inv.operands().size() < 2 ? "'save' requires a domain and a file" : "too many arguments");
        }
        Hypervisor hv = toolstack.hypervisor();
        Domain d = DomainLookup.guest(hv, inv.operands().get(0), "saved");
        Path file = CreateCommand.relativeTo(inv.workingDirectory(), Path.of(inv.operands().get(1)));
        byte[] data = DomainSuspend.toolstackData(toolstack.xenstore(), d, DomainDevices.read(toolstack.xenstore(), d.id()),
                toolstack.plan(d.id()).map(DomainPlan::config));
        inv.err().println("Saving to " + file + " new xl format (oxen stream 1)");
        DomainSuspend.suspend(toolstack.hypervisor(), saver, toolstack.xenstore(), d);
        if (saver.guestSuspends(d.id())) toolstack.awaitConsoleDrained(d); // an HVM domain's console is its COM1
        DomainSaveRestore.Saved saved;
        long expected = d.memoryPages() << 12; // the pages are nearly all of the stream
        try (org.oxen.vmm.api.jobs.Job job = jobs.start("save", d.name() + " to " + file, expected);
                OutputStream out = org.oxen.toolstack.xl.internal.jobs.ProgressStreams.counting(
                        new BufferedOutputStream(Files.newOutputStream(file), 1 << 20), job, inv.err(), "xl save", expected)) {
            saved = saver.save(d.id(), out, data);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the message below says what went wrong
            }
            saver.resume(d.id());
            throw new XlError("Saving domain " + d.id() + " to " + file + " failed: " + e.getMessage()
                    + "; the domain goes on");
        }
        inv.err().printf("Saved domain %d: %d pages, %d bytes in %d ms%n", d.id(), saved.pages(), saved.bytes(),
                saved.nanos() / 1_000_000);
        if (inv.options().has("c") || inv.options().has("p")) {
            if (inv.options().has("p")) hv.pause(d.id());
            saver.resume(d.id());
        } else {
            toolstack.destroy(d);
        }
        return 0;
    }
}
