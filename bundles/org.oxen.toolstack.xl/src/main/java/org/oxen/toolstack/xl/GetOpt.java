package org.oxen.toolstack.xl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * POSIX/GNU getopt_long as xl uses it ({@code SWITCH_FOREACH_OPT} in xl's sources).
 *
 * <p>Short options are letters, a letter followed by {@code ':'} takes an argument
 * ({@code "lp:"}); clustered flags ({@code -lv}) and attached arguments ({@code -p1},
 * {@code --pool=1}) work. Long options map to a short letter or stand alone; a long name
 * followed by {@code ':'} takes an argument. As in GNU getopt, options and operands may be
 * interleaved, and {@code --} ends option parsing. Errors use getopt's wording so scripts
 * written for xl see familiar messages.
 */
public final class GetOpt {

    private final Map<Character, Boolean> shortTakesArg = new LinkedHashMap<>();
    private final Map<String, Boolean> longTakesArg = new LinkedHashMap<>();
    private final Map<String, String> longToKey = new LinkedHashMap<>();

    /**
     * @param shortSpec short options, e.g. {@code "hlp:"}
     * @param longSpecs long options: {@code "name"}, {@code "name:"} (takes an argument), or
     *     {@code "name=c"} / {@code "name:=c"} to alias short option {@code c}
     */
    public GetOpt(String shortSpec, String... longSpecs) {
        Objects.requireNonNull(shortSpec, "shortSpec");
        for (int i = 0; i < shortSpec.length(); i++) {
            char c = shortSpec.charAt(i);
            if (c == ':' || c == '-') {
                throw new IllegalArgumentException("bad short option spec '" + shortSpec + "' at " + i);
            }
            boolean arg = i + 1 < shortSpec.length() && shortSpec.charAt(i + 1) == ':';
            shortTakesArg.put(c, arg);
            if (arg) {
                i++;
            }
        }
        for (String spec : longSpecs) {
            String name = spec;
            String alias = null;
            int eq = spec.indexOf('=');
            if (eq >= 0) {
                name = spec.substring(0, eq);
                alias = spec.substring(eq + 1);
                if (alias.length() != 1 || !shortTakesArg.containsKey(alias.charAt(0))) {
                    throw new IllegalArgumentException("long option '" + spec + "' aliases no short option");
                }
            }
            boolean arg = name.endsWith(":");
            if (arg) {
                name = name.substring(0, name.length() - 1);
            }
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty long option in spec '" + spec + "'");
            }
            longTakesArg.put(name, alias != null ? shortTakesArg.get(alias.charAt(0)) : arg);
            longToKey.put(name, alias != null ? alias : name);
        }
    }

    /**
     * Parses {@code args}.
     *
     * @throws XlUsageException naming the offending option, in getopt's words
     */
    public Parsed parse(List<String> args) throws XlUsageException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> operands = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                operands.addAll(args.subList(i + 1, args.size()));
                break;
            } else if (a.startsWith("--")) {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                Boolean takesArg = longTakesArg.get(name);
                if (takesArg == null) {
                    throw new XlUsageException("unrecognized option '--" + name + "'");
                }
                if (takesArg && value == null) {
                    if (i + 1 >= args.size()) {
                        throw new XlUsageException("option '--" + name + "' requires an argument");
                    }
                    value = args.get(++i);
                } else if (!takesArg && value != null) {
                    throw new XlUsageException("option '--" + name + "' doesn't allow an argument");
                }
                add(values, longToKey.get(name), value);
            } else if (a.startsWith("-") && a.length() > 1) {
                for (int j = 1; j < a.length(); j++) {
                    char c = a.charAt(j);
                    Boolean takesArg = shortTakesArg.get(c);
                    if (takesArg == null) {
                        throw new XlUsageException("invalid option -- '" + c + "'");
                    }
                    if (takesArg) {
                        String value;
                        if (j + 1 < a.length()) {
                            value = a.substring(j + 1);
                        } else if (i + 1 < args.size()) {
                            value = args.get(++i);
                        } else {
                            throw new XlUsageException("option requires an argument -- '" + c + "'");
                        }
                        add(values, String.valueOf(c), value);
                        break;
                    }
                    add(values, String.valueOf(c), null);
                }
            } else {
                operands.add(a);
            }
        }
        return new Parsed(values, operands);
    }

    private static void add(Map<String, List<String>> values, String key, String value) {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    /** The result of {@link GetOpt#parse}: options by short letter or long name, and operands. */
    public static final class Parsed {
        private final Map<String, List<String>> values;
        private final List<String> operands;

        Parsed(Map<String, List<String>> values, List<String> operands) {
            this.values = Collections.unmodifiableMap(values);
            this.operands = Collections.unmodifiableList(operands);
        }

        /** Whether option {@code key} (a short letter or a long name without alias) was given. */
        public boolean has(String key) {
            return values.containsKey(key);
        }

        /** The last value of option {@code key}, or {@code null} when absent. */
        public String value(String key) {
            List<String> v = values.get(key);
            return v == null ? null : v.get(v.size() - 1);
        }

        /** Every value of option {@code key} in order, for repeatable options. */
        public List<String> values(String key) {
            return values.getOrDefault(key, List.of());
        }

        /** How many times option {@code key} was given ({@code -vvv} counts 3). */
        public int count(String key) {
            return values.getOrDefault(key, List.of()).size();
        }

        public List<String> operands() {
            return operands;
        }

        /** The same options with other operands. */
        Parsed withOperands(List<String> others) {
            return new Parsed(values, new java.util.ArrayList<>(others));
        }
    }
}
