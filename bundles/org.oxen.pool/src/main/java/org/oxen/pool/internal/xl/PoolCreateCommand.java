package org.oxen.pool.internal.xl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.oxen.pool.internal.DomainRecord;
import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands.PoolSubcommand;
import org.oxen.pool.internal.PoolMember;
import org.oxen.pool.internal.PoolMember.DomainNode;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.toolstack.xl.cfg.PvDomainSpec;
import org.oxen.toolstack.xl.cfg.PvDomainSpecReader;
import org.oxen.toolstack.xl.cfg.XlConfigException;
import org.oxen.toolstack.xl.cfg.XlConfigParser;

/**
 * {@code xl create <ConfigFile> [--host=NAME] [--ha-restart] [key=value...]} in a pool: the
 * config is read and checked here (xl's parser and key reader: a bad file is refused before
 * the pool sees it), its text with the overrides as extra lines goes into the pool's record of
 * the domain, placed on the named host or on the one with the most room, and that host creates
 * it exactly as its own {@code xl create} would; the command returns once it runs there, or
 * with the host's refusal (then the record is removed: nothing is left).
 */
final class PoolCreateCommand implements PoolSubcommand {

    private final PoolMember member;

    PoolCreateCommand(PoolMember member) {
        this.member = member;
    }

    @Override
    public String name() {
        return "create";
    }

    @Override
    public String summary() {
        return "Create a domain from config file <filename> on a host of the pool";
    }

    @Override
    public String usage() {
        return "<ConfigFile> [options] [vars]\n"
                + "--host=NAME, -H NAME    Create it on this host of the pool (default: the host with the most room).\n"
                + "--ha-restart, -r        Restart it on another host when its host dies.\n"
                + "-q, --quiet             Quiet.\n"
                + "vars: key=value settings applied after the file, as extra xl.cfg lines.\n"
                + "Relative paths in the config are resolved in the config's directory on the chosen host\n"
                + "(storage every host sees); kernel = \"guest:<name>\" works anywhere.";
    }

    @Override
    public String shortOptions() {
        return "H:rq";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"host:=H", "ha-restart=r", "quiet=q"};
    }

    @Override
    public int run(XlInvocation inv) throws Exception {
        List<String> ops = inv.operands();
        if (ops.isEmpty()) {
            throw new XlUsageException("'create' requires a config file");
        }
        Path file = inv.workingDirectory().resolve(ops.get(0));
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new XlError("Failed to read config file: " + file + ": " + e.getMessage());
        }
        List<String> overrides = ops.subList(1, ops.size());
        PvDomainSpec spec;
        try {
            spec = PvDomainSpecReader.read(XlConfigParser.parse(file.toString(), text, overrides));
        } catch (XlConfigException e) {
            throw new XlError(e.getMessage());
        }
        StringBuilder full = new StringBuilder(text);
        if (!overrides.isEmpty()) {
            full.append("\n# xl create's command-line settings\n");
            overrides.forEach(o -> full.append(XlConfigParser.quoteBareValue(o)).append('\n'));
        }
        if (!inv.options().has("q")) {
            inv.out().println("Parsing config from " + ops.get(0));
        }
        String name = spec.name();
        for (HostRecord h : member.hosts().values()) {
            if (h.domainNames().contains(name)) {
                throw new XlError("domain " + name + " already exists in pool " + member.settings().pool()
                        + " (on host " + h.name() + ")");
            }
        }
        String host = placement(inv, name, spec.memoryMiB());
        DomainRecord r = DomainRecord.placed(name, host, inv.options().has("r"), spec.memoryMiB(),
                file.getParent() == null ? "" : file.getParent().toString(), full.toString());
        if (!member.createDomain(r)) {
            throw new XlError("domain " + name + " already exists in pool " + member.settings().pool());
        }
        member.schedule();
        long deadline = System.currentTimeMillis() + PoolCommands.WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline && PoolCommands.pause()) {
            Optional<DomainNode> n = member.readDomain(name);
            if (n.isEmpty()) {
                throw new XlError("pool: " + name + " was removed from the pool before it started");
            }
            DomainRecord now = n.get().record();
            if (now != null && now.state().equals(DomainRecord.FAILED)) {
                member.deleteDomain(name, n.get().version());
                throw new XlError("pool: host " + now.host() + " refused " + name + ": " + now.error()
                        + "; nothing created");
            }
            HostRecord h = member.hosts().get(host);
            if (h != null && h.domainNames().contains(name)) {
                if (!inv.options().has("q")) {
                    inv.out().println("pool " + member.settings().pool() + ": " + name + " runs on " + host);
                }
                return 0;
            }
        }
        throw new XlError("pool: " + name + " is placed on " + host + " but does not run there yet; see xl list");
    }

    /** The named host, checked, or the one with the most room. */
    private String placement(XlInvocation inv, String name, long memoryMiB) throws XlError {
        String named = inv.options().value("H");
        var hosts = member.hosts();
        if (named != null) {
            HostRecord h = hosts.get(named);
            if (h == null) {
                throw new XlError("no host " + named + " in pool " + member.settings().pool() + " (xl host-list)");
            }
            return named;
        }
        return member.choosePlacement(memoryMiB).orElseThrow(() -> new XlError("pool "
                + member.settings().pool() + ": no host has room for " + name + " (" + memoryMiB + " MiB)"));
    }
}
