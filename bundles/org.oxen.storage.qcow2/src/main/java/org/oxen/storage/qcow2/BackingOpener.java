package org.oxen.storage.qcow2;

import java.io.IOException;
import java.nio.file.Path;

import org.oxen.storage.api.BlockImage;

/** Opens the backing image an overlay names, read-only. */
interface BackingOpener {
    /**
     * @param overlay the image naming it (relative names resolve against its directory)
     * @param name the backing file name as the overlay records it
     * @param format the recorded backing format, or null (probe)
     * @param depth how deep in the chain the opened image is (the overlay's depth + 1)
     */
    BlockImage open(Path overlay, String name, String format, int depth) throws IOException;
}
