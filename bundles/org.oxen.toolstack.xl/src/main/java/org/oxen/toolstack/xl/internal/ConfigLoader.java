package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.oxen.guests.GuestImages;
import org.oxen.toolstack.xl.cfg.ConfigValue;
import org.oxen.toolstack.xl.cfg.PvDomainSpec;
import org.oxen.toolstack.xl.cfg.PvDomainSpecReader;
import org.oxen.toolstack.xl.cfg.XlConfig;
import org.oxen.toolstack.xl.cfg.XlConfigException;
import org.oxen.toolstack.xl.cfg.XlConfigParser;
import org.oxen.vmm.api.DomainConfig;

/**
 * Turns an xl.cfg file (plus {@code key=value} overrides) into a {@link DomainPlan}: parse,
 * read the PV keys, check them against what the hypervisor supports, read the kernel.
 *
 * <p>Kernels: {@code kernel = "guest:<name>"} is a PV program of oxen's guest kit
 * ({@code guest:hello}, {@code guest:cpubench}, ...), so configs work from any directory; any
 * other value is a file path, relative to the config file's directory unless absolute.
 */
final class ConfigLoader {

    static final String GUEST_SCHEME = "guest:";

    private ConfigLoader() {
    }

    /**
     * @throws XlError with {@code file:line:column: problem} for anything wrong in the config,
     *     or the reason the file cannot be read
     */
    static DomainPlan load(Path file, List<String> overrides) throws XlError {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new XlError("Failed to read config file: " + file + ": No such file or directory");
        } catch (IOException e) {
            throw new XlError("Failed to read config file: " + file + ": " + e.getMessage());
        }
        return load(file, text, overrides);
    }

    static DomainPlan load(Path file, String text, List<String> overrides) throws XlError {
        try {
            XlConfig cfg = XlConfigParser.parse(file.toString(), text, overrides);
            PvDomainSpec spec = PvDomainSpecReader.read(cfg);
            checkSupported(cfg, spec);
            XlConfig.Setting kernel = cfg.get("kernel").orElseThrow();
            byte[] image = kernel(file, spec.kernel(), kernel);
            String uuid = cfg.get("uuid").map(s -> ((ConfigValue.Str) s.value()).value()).orElse(null);
            return new DomainPlan(spec, image, file.toString(), spec.kernel(), uuid);
        } catch (XlConfigException e) {
            throw new XlError(e.getMessage());
        }
    }

    /** What the xl.cfg reader accepts but oxen's hypervisor cannot do (yet). */
    private static void checkSupported(XlConfig cfg, PvDomainSpec spec) throws XlConfigException {
        if (spec.vcpus() > DomainConfig.MAX_VCPUS) {
            throw new XlConfigException(cfg.get("vcpus").orElseThrow().value().position(),
                    "vcpus = " + spec.vcpus() + " is above oxen's limit of " + DomainConfig.MAX_VCPUS + " per domain");
        }
        if (spec.maxvcpus() != spec.vcpus()) {
            throw new XlConfigException(cfg.get("maxvcpus").orElseThrow().value().position(),
                    "maxvcpus above vcpus (vcpu hotplug) is not supported by oxen yet: every vcpu is created at boot");
        }
        if (spec.memoryMiB() > DomainConfig.MAX_MEMORY_MIB) {
            throw new XlConfigException(cfg.get("memory").orElseThrow().value().position(), "memory = "
                    + spec.memoryMiB() + " is above oxen's limit of " + DomainConfig.MAX_MEMORY_MIB
                    + " MiB for a 32-bit PV domain");
        }
        if (spec.maxmemMiB() > DomainConfig.MAX_MEMORY_MIB) {
            throw new XlConfigException(cfg.get("maxmem").orElseThrow().value().position(), "maxmem = "
                    + spec.maxmemMiB() + " is above oxen's limit of " + DomainConfig.MAX_MEMORY_MIB
                    + " MiB for a 32-bit PV domain");
        }
        if (!spec.name().matches("[A-Za-z0-9_.:-]+")) {
            throw new XlConfigException(cfg.get("name").orElseThrow().value().position(), "name \"" + spec.name()
                    + "\": oxen takes letters, digits, '_', '.', ':' and '-' in domain names");
        }
    }

    private static byte[] kernel(Path file, String kernel, XlConfig.Setting at) throws XlConfigException {
        if (kernel.startsWith(GUEST_SCHEME)) {
            String name = kernel.substring(GUEST_SCHEME.length());
            try {
                return GuestImages.load(GuestImages.Flavor.PV, name);
            } catch (IllegalArgumentException | IllegalStateException e) {
                List<String> known;
                try {
                    known = GuestImages.names(GuestImages.Flavor.PV);
                } catch (IllegalStateException none) {
                    known = List.of();
                }
                throw new XlConfigException(at.value().position(), "kernel \"" + kernel
                        + "\": the guest kit has no PV program '" + name + "'; it has " + known);
            }
        }
        Path path = Path.of(kernel);
        if (!path.isAbsolute()) {
            Path dir = Optional.ofNullable(file.toAbsolutePath().getParent()).orElse(Path.of("."));
            path = dir.resolve(path);
        }
        path = path.normalize();
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new XlConfigException(at.value().position(),
                    "kernel \"" + kernel + "\" not found (" + path + ": No such file or directory)");
        } catch (IOException e) {
            throw new XlConfigException(at.value().position(),
                    "kernel \"" + kernel + "\" cannot be read (" + path + ": " + e.getMessage() + ")");
        }
    }
}
