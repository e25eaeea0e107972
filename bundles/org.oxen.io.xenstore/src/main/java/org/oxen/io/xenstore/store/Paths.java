package org.oxen.io.xenstore.store;

import org.oxen.vmm.api.backend.XenstoreException;

/**
 * Node names as xenstored accepts them (is_valid_nodename): absolute, or relative to the
 * caller's /local/domain/&lt;id&gt;; characters {@code [A-Za-z0-9-/_@]}; no empty element, no
 * trailing slash but on "/"; at most 3072 bytes absolute (XENSTORE_ABS_PATH_MAX) and 2048
 * relative (XENSTORE_REL_PATH_MAX). Watch names may also be the special {@code @introduceDomain}
 * and {@code @releaseDomain}.
 */
public final class Paths {

    public static final int ABS_PATH_MAX = 3072;
    public static final int REL_PATH_MAX = 2048;

    private Paths() {
    }

    public static String domainPath(int domid) {
        return "/local/domain/" + domid;
    }

    /**
     * The absolute, checked form of {@code path} for domain {@code domid}.
     *
     * @throws XenstoreException EINVAL naming what is wrong
     */
    public static String canonical(int domid, String path) throws XenstoreException {
        if (path == null || path.isEmpty()) throw new XenstoreException("EINVAL", "empty path");
        String abs;
        if (path.charAt(0) == '/') {
            if (path.length() > ABS_PATH_MAX) {
                throw new XenstoreException("EINVAL", "path longer than " + ABS_PATH_MAX + " bytes");
            }
            abs = path;
        } else {
            if (path.length() > REL_PATH_MAX) {
                throw new XenstoreException("EINVAL", "relative path longer than " + REL_PATH_MAX + " bytes");
            }
            abs = domainPath(domid) + "/" + path;
        }
        if (abs.equals("/")) return abs;
        if (abs.endsWith("/")) throw new XenstoreException("EINVAL", "path ends with '/': " + shorten(path));
        if (abs.contains("//")) throw new XenstoreException("EINVAL", "empty element in path: " + shorten(path));
        for (int i = 0; i < abs.length(); i++) {
            char c = abs.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '/'
                    || c == '_' || c == '@';
            if (!ok) throw new XenstoreException("EINVAL", "bad character 0x" + Integer.toHexString(c) + " in path: " + shorten(path));
        }
        return abs;
    }

    /** Whether a watch on {@code watched} sees a change of {@code changed} (at or below it). */
    static boolean covers(String watched, String changed) {
        return watched.equals("/") || changed.equals(watched)
                || changed.startsWith(watched) && changed.charAt(watched.length()) == '/';
    }

    static String parent(String abs) {
        int i = abs.lastIndexOf('/');
        return i == 0 ? "/" : abs.substring(0, i);
    }

    static String shorten(String s) {
        return s.length() <= 64 ? "'" + s + "'" : "'" + s.substring(0, 64) + "...'";
    }
}
