package org.oxen.toolstack.xl;

import java.nio.file.Path;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.vmm.api.Domain;

/**
 * {@code xl create} for a config that arrives as text rather than a file (2.1), e.g. typed into
 * the web console: the same parser, the same key reader, the same checks and the same toolstack
 * (on_poweroff/on_reboot/on_crash apply), so a config means one thing wherever it comes from.
 * A service provided by the xl bundle.
 *
 * @since 2.1
 */
@ProviderType
public interface ConfigTextCreator {

    /** A domain created, with the warnings its config earned (keys oxen ignores). */
    record Created(Domain domain, List<String> warnings) {
        public Created {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Parses {@code text} as an xl.cfg named {@code source} (in error positions), reads its
     * kernel (a {@code <scheme>:<name>} kernel from its catalog, or a path relative to
     * {@code directory}) and creates the domain, paused if {@code paused}.
     *
     * @throws XlError {@code source:line:column: problem} for anything wrong in the text, or the
     *     toolstack's refusal (name taken, memory short); nothing is half-created
     */
    Created create(String source, String text, Path directory, boolean paused) throws XlError;
}
