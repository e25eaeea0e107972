package org.oxen.webconsole.view;

/**
 * The JSON the console's endpoints write: a tiny append-only writer (objects, arrays, strings
 * escaped per RFC 8259, numbers). Commas are the caller's: {@link #sep} before every member but
 * the first. Not thread-safe; one per response.
 */
public final class Json {

    private final StringBuilder b = new StringBuilder(256);

    public Json raw(String s) {
        b.append(s);
        return this;
    }

    public Json str(String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || c == '<' || c == '>' || c == '&') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
        return this;
    }

    /** {@code "key":} */
    public Json key(String k) {
        return str(k).raw(":");
    }

    public Json field(String k, String v) {
        return key(k).str(v);
    }

    public Json field(String k, long v) {
        return key(k).raw(Long.toString(v));
    }

    public Json field(String k, double v) {
        return key(k).raw(Double.isFinite(v) ? String.format(java.util.Locale.ROOT, "%.3f", v) : "0");
    }

    public Json field(String k, boolean v) {
        return key(k).raw(v ? "true" : "false");
    }

    public Json sep() {
        b.append(',');
        return this;
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
