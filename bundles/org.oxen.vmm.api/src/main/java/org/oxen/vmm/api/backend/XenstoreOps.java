package org.oxen.vmm.api.backend;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The node operations of xs_wire (XS_READ, XS_WRITE, XS_MKDIR, XS_RM, XS_DIRECTORY,
 * XS_GET_PERMS, XS_SET_PERMS), on absolute paths, with Domain-0's rights. Permissions are
 * xenstore's strings: a letter ({@code n} none, {@code r} read, {@code w} write, {@code b} both)
 * and a domain id; the first names the owner and the access of every other domain.
 */
@ProviderType
public interface XenstoreOps {

    /** XS_READ: the value, or empty if the node does not exist. */
    Optional<String> read(String path) throws XenstoreException;

    /** XS_WRITE: creates the node (and missing parents) or replaces its value. */
    void write(String path, String value) throws XenstoreException;

    /** XS_MKDIR: creates the node with an empty value if missing. */
    void mkdir(String path) throws XenstoreException;

    /** XS_RM: removes the node and its children; removing a missing node is not an error. */
    void rm(String path) throws XenstoreException;

    /** XS_DIRECTORY: the children's names. */
    List<String> directory(String path) throws XenstoreException;

    /** XS_GET_PERMS. */
    List<String> permissions(String path) throws XenstoreException;

    /** XS_SET_PERMS. */
    void setPermissions(String path, List<String> permissions) throws XenstoreException;
}
