package org.oxen.toolstack.xl.internal;

import java.nio.file.Path;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.ConfigTextCreator;
import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.Domain;

/** {@link ConfigTextCreator} over the one {@link ConfigLoader} and the {@link Toolstack}, as {@code xl create} does. */
@Component(service = ConfigTextCreator.class)
public final class ConfigTextCreate implements ConfigTextCreator {

    private final Toolstack toolstack;

    @Activate
    public ConfigTextCreate(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public Created create(String source, String text, Path directory, boolean paused) throws XlError {
        if (text.length() > ConfigLoader.MAX_CONFIG_BYTES) {
            throw new XlError(source + ": an xl.cfg is at most 1 MiB of text");
        }
        if (text.indexOf('\0') >= 0) {
            throw new XlError(source + ": not a text file (a NUL character); an xl.cfg is text");
        }
        DomainPlan plan = ConfigLoader.load(directory.resolve(source), text, List.of(), toolstack.kernels());
        Domain d = toolstack.create(plan, paused);
        return new Created(d, plan.spec().warnings());
    }
}
