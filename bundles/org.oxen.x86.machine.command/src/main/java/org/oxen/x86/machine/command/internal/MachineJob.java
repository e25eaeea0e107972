package org.oxen.x86.machine.command.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.shell.exit.ProcessStatus;

/**
 * A machine job without the Gogo shell (issue 16, start-up): when the framework property
 * {@value ProcessStatus#JOB_PROPERTY} names the {@code machine} command ({@code ./oxen machine boot
 * ...}: {@code machine}, then the command's arguments, separated by
 * {@link ProcessStatus#JOB_SEPARATOR}), this component runs that one command through the same
 * {@link MachineCommand#run} Gogo's {@code machine} calls (one copy of the argument parsing and of
 * every message), reports its status to the process's exit status (the whiteboard
 * {@code IntConsumer} with {@value ProcessStatus#SERVICE_PROPERTY}{@code =true}, which it waits for:
 * without it the status would be lost) and stops the framework, so the process exits with it.
 * Without the property it does nothing. The machine launch starts Gogo's bundles at a start level
 * above a job's (runtime/machine.bndrun), so a job neither starts nor loads the shell.
 *
 * <p>Design: the command runs on a thread of its own (activation must not wait for the guest),
 * once per framework (a reactivated component does not run the job again); the framework is
 * stopped from that thread after the status is reported. Locking: {@code started} is the only
 * shared state (atomic); the thread is interrupted on deactivation, which ends a waiting
 * {@code boot -w} ({@code (interrupted; the machine keeps running)}, status 1).
 */
@Component(immediate = true, service = {})
public final class MachineJob {

    /** The command a job names as its first word to be this component's. */
    static final String COMMAND = "machine";

    /** Whether this framework's job has been started (one job per framework). */
    private static final AtomicBoolean started = new AtomicBoolean();

    private final Thread thread;

    @Activate
    public MachineJob(BundleContext context, @Reference MachineCommand command,
            @Reference(target = "(" + ProcessStatus.SERVICE_PROPERTY + "=true)") IntConsumer status) {
        List<String> words = ProcessStatus.jobWords(context.getProperty(ProcessStatus.JOB_PROPERTY));
        if (words.isEmpty() || !words.get(0).equals(COMMAND) || !started.compareAndSet(false, true)) {
            thread = null;
            return;
        }
        thread = new Thread(() -> {
            int rc;
            try {
                rc = command.run(words.subList(1, words.size()), System.out, System.err, null);
            } catch (RuntimeException e) {
                System.err.println("machine: " + e);
                rc = 1;
            }
            System.out.flush();
            status.accept(rc);
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                System.err.println("oxen: cannot stop the framework after the machine job: " + e);
            }
        }, "oxen-machine-job");
        thread.start();
    }

    @Deactivate
    void deactivate() {
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
        }
    }
}
