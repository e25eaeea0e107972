package org.oxen.toolstack.xl.cfg;

import java.util.List;

/**
 * A value in an xl.cfg file: a string, a number (kept as written, as libxlu does, and
 * interpreted by the key that reads it), or a list of strings and numbers.
 */
public sealed interface ConfigValue {

    /** Where the value starts. */
    ConfigPosition position();

    /** A quoted string, escapes resolved, concatenations joined. */
    record Str(String value, ConfigPosition position) implements ConfigValue {
    }

    /** A bare number as written ({@code 512}, {@code 0x1000}). */
    record Num(String text, ConfigPosition position) implements ConfigValue {
    }

    /** A list {@code [a, b, ...]} of atoms. */
    record Lst(List<ConfigValue> items, ConfigPosition position) implements ConfigValue {
        public Lst {
            items = List.copyOf(items);
        }
    }
}
