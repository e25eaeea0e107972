package org.oxen.sched.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The ordered, named parameters of a scheduler (per domain or per pool). */
public final class ParamSchema {

    private static final ParamSchema EMPTY = new ParamSchema(List.of());

    private final List<ParamSpec> specs;
    private final Map<String, ParamSpec> byName;

    private ParamSchema(List<ParamSpec> specs) {
        Map<String, ParamSpec> m = new LinkedHashMap<>();
        for (ParamSpec s : specs) {
            if (m.put(s.name(), s) != null) {
                throw new IllegalArgumentException("duplicate parameter " + s.name());
            }
        }
        this.specs = List.copyOf(specs);
        this.byName = Collections.unmodifiableMap(m);
    }

    public static ParamSchema of(ParamSpec... specs) {
        return specs.length == 0 ? EMPTY : new ParamSchema(List.of(specs));
    }

    public static ParamSchema empty() {
        return EMPTY;
    }

    public List<ParamSpec> specs() {
        return specs;
    }

    /** The spec, or {@code null}. */
    public ParamSpec find(String name) {
        return byName.get(name);
    }

    /**
     * The spec.
     *
     * @throws SchedParamException naming the known parameters
     */
    public ParamSpec spec(String scheduler, String name) {
        ParamSpec s = byName.get(name);
        if (s == null) {
            throw new SchedParamException(name, scheduler + ": unknown parameter '" + name + "'"
                    + (specs.isEmpty() ? " (it has none)" : " (known: " + String.join(", ", byName.keySet()) + ")"));
        }
        return s;
    }

    public int size() {
        return specs.size();
    }

    public boolean isEmpty() {
        return specs.isEmpty();
    }

    public ParamValues defaults() {
        long[] v = new long[specs.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = specs.get(i).defaultValue();
        }
        return new ParamValues(this, v);
    }

    int indexOf(String name) {
        ParamSpec s = byName.get(name);
        return s == null ? -1 : specs.indexOf(s);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (ParamSpec s : specs) {
            sb.append(s).append('\n');
        }
        return sb.toString();
    }
}
