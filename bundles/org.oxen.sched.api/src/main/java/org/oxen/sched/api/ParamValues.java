package org.oxen.sched.api;

import java.util.Arrays;
import java.util.Map;

/**
 * Immutable values for every parameter of a {@link ParamSchema}, each within its spec's range.
 * Built from {@link ParamSchema#defaults()} with {@link #with}/{@link #parse}.
 */
public final class ParamValues {

    private final ParamSchema schema;
    private final long[] values;

    ParamValues(ParamSchema schema, long[] values) {
        this.schema = schema;
        this.values = values;
    }

    public ParamSchema schema() {
        return schema;
    }

    /**
     * @throws SchedParamException if the schema has no such parameter
     */
    public long get(String name) {
        int i = schema.indexOf(name);
        if (i < 0) {
            throw new SchedParamException(name, "unknown parameter '" + name + "'");
        }
        return values[i];
    }

    public boolean flag(String name) {
        return get(name) != 0;
    }

    /** A copy with {@code name} set to {@code value}, range-checked; {@code scheduler} names the errors. */
    public ParamValues with(String scheduler, String name, long value) {
        ParamSpec s = schema.spec(scheduler, name);
        s.check(scheduler, value);
        long[] v = values.clone();
        v[schema.specs().indexOf(s)] = value;
        return new ParamValues(schema, v);
    }

    /** A copy with each {@code name -> typed text} applied ({@code xl sched-credit -d 3 -w 512}). */
    public ParamValues parse(String scheduler, Map<String, String> typed) {
        long[] v = values.clone();
        for (Map.Entry<String, String> e : typed.entrySet()) {
            ParamSpec s = schema.spec(scheduler, e.getKey());
            v[schema.specs().indexOf(s)] = s.parse(scheduler, e.getValue());
        }
        return new ParamValues(schema, v);
    }

    /**
     * Values for {@code target}: its defaults, overwritten by every parameter of this set that
     * {@code target} also has (same name and unit) and whose value lies in its range. Used to
     * carry parameters over when a domain moves between schedulers.
     */
    public ParamValues carryTo(ParamSchema target) {
        long[] v = target.defaults().values;
        for (int i = 0; i < v.length; i++) {
            ParamSpec t = target.specs().get(i);
            int j = schema.indexOf(t.name());
            if (j >= 0 && schema.specs().get(j).unit() == t.unit() && t.accepts(values[j])) {
                v[i] = values[j];
            }
        }
        return new ParamValues(target, v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamValues && ((ParamValues) o).schema == schema
                && Arrays.equals(((ParamValues) o).values, values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    /** {@code weight=256 cap=0} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            ParamSpec s = schema.specs().get(i);
            sb.append(i == 0 ? "" : " ").append(s.name()).append('=').append(s.format(values[i]));
        }
        return sb.toString();
    }
}
