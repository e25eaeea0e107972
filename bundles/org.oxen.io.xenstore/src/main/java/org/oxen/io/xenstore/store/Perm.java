package org.oxen.io.xenstore.store;

import java.util.ArrayList;
import java.util.List;

import org.oxen.vmm.api.backend.XenstoreException;

/**
 * One entry of a node's permissions as xenstore writes it: a letter ({@code n} none, {@code r}
 * read, {@code w} write, {@code b} both) and a domain id, e.g. {@code r5}.
 */
record Perm(char access, int domid) {

    static final int READ = 1;
    static final int WRITE = 2;

    int bits() {
        return switch (access) {
            case 'r' -> READ;
            case 'w' -> WRITE;
            case 'b' -> READ | WRITE;
            default -> 0;
        };
    }

    @Override
    public String toString() {
        return access + Integer.toString(domid);
    }

    /**
     * Parses permission strings.
     *
     * @throws XenstoreException EINVAL naming the bad entry, or an empty list
     */
    static List<Perm> parse(List<String> strings) throws XenstoreException {
        if (strings.isEmpty()) throw new XenstoreException("EINVAL", "a node needs at least its owner's permission");
        List<Perm> out = new ArrayList<>(strings.size());
        for (String s : strings) {
            if (s == null || s.length() < 2 || "nrwb".indexOf(s.charAt(0)) < 0) {
                throw new XenstoreException("EINVAL", "bad permission '" + s + "' (want n|r|w|b and a domain id)");
            }
            int domid;
            try {
                domid = Integer.parseInt(s.substring(1));
            } catch (NumberFormatException e) {
                throw new XenstoreException("EINVAL", "bad domain id in permission '" + s + "'");
            }
            if (domid < 0 || domid > 0xFFFF || !s.substring(1).equals(Integer.toString(domid))) {
                throw new XenstoreException("EINVAL", "bad domain id in permission '" + s + "'");
            }
            out.add(new Perm(s.charAt(0), domid));
        }
        return List.copyOf(out);
    }

    /** What {@code domid} may do with a node of these permissions (Domain-0 and the owner: all). */
    static int access(List<Perm> perms, int domid) {
        if (domid == 0 || perms.get(0).domid() == domid) return READ | WRITE;
        for (int i = 1; i < perms.size(); i++) {
            if (perms.get(i).domid() == domid) return perms.get(i).bits();
        }
        return perms.get(0).bits();
    }
}
