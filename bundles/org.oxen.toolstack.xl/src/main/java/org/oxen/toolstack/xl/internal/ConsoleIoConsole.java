package org.oxen.toolstack.xl.internal;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;

import org.oxen.vmm.api.ConsoleViewer;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.GuestConsole;

/**
 * The console of a domain that has no PV console ring (an HVM domain: its COM1, which the VMM
 * keeps as the domain's console output) seen as a {@link GuestConsole}, so {@code xl console}
 * follows it like any other, both ways: keys typed go to the serial port's receiver
 * ({@link Domain#consoleInput}).
 *
 * <p>Locking: none of its own; the domain calls viewers on the thread that wrote the output.
 */
final class ConsoleIoConsole implements GuestConsole {

    private final Domains hv;
    private final Domain d;

    ConsoleIoConsole(Domains hv, Domain d) {
        this.hv = hv;
        this.d = d;
    }

    @Override
    public int domid() {
        return d.id();
    }

    @Override
    public String domainName() {
        return d.name();
    }

    @Override
    public boolean isLive() {
        DomainState s = d.state();
        return s != DomainState.SHUTDOWN && s != DomainState.CRASHED && hv.find(d.id()).isPresent();
    }

    @Override
    public Optional<String> broken() {
        return Optional.empty();
    }

    @Override
    public byte[] log() {
        return d.consoleOutput().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public AutoCloseable attach(ConsoleViewer viewer) {
        Consumer<String> l = text -> viewer.output(text.getBytes(StandardCharsets.ISO_8859_1));
        d.addConsoleListener(l);
        return () -> d.removeConsoleListener(l);
    }

    @Override
    public int write(byte[] input, int offset, int length) {
        return d.consoleInput(input, offset, length);
    }
}
