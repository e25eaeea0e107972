package org.oxen.sched.api;

import java.util.Locale;
import java.util.Objects;

/**
 * One scheduler parameter: name, unit, inclusive range, default and a one-line description.
 * Values are {@code long}s in {@link #unit()}. If {@link #zeroMeansOff()} is set, 0 is accepted
 * besides the range (Credit's {@code cap}, {@code ratelimit}).
 *
 * <p>It also says how {@code xl sched-<name>} shows it, so the command needs no code per
 * scheduler: its option letter ({@link #withOption}, e.g. Credit's {@code -w} for weight) and
 * the header of its column in listings ({@link #column()}).
 */
public final class ParamSpec {

    private final String name;
    private final ParamUnit unit;
    private final long min;
    private final long max;
    private final long defaultValue;
    private final boolean zeroMeansOff;
    private final String description;
    private final char option;
    private final String column;

    private ParamSpec(String name, ParamUnit unit, long min, long max, long defaultValue, boolean zeroMeansOff,
            String description) {
        this(name, unit, min, max, defaultValue, zeroMeansOff, description, NO_OPTION, null);
    }

    private ParamSpec(String name, ParamUnit unit, long min, long max, long defaultValue, boolean zeroMeansOff,
            String description, char option, String column) {
        this.name = Objects.requireNonNull(name, "name");
        this.unit = Objects.requireNonNull(unit, "unit");
        this.min = min;
        this.max = max;
        this.defaultValue = defaultValue;
        this.zeroMeansOff = zeroMeansOff;
        this.description = Objects.requireNonNull(description, "description");
        this.option = option;
        this.column = column != null ? column : defaultColumn(name);
        if (option != NO_OPTION && (option < 'a' || option > 'z' || RESERVED_OPTIONS.indexOf(option) >= 0)) {
            throw new IllegalArgumentException(name + ": option letter '" + option + "' is not a-z or is one of xl's own ("
                    + RESERVED_OPTIONS + ")");
        }
        if (this.column.isBlank()) {
            throw new IllegalArgumentException(name + ": blank column header");
        }
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("parameter name '" + name + "' is not [a-z][a-z0-9_]*");
        }
        if (min > max) {
            throw new IllegalArgumentException(name + ": min " + min + " > max " + max);
        }
        if (!accepts(defaultValue)) {
            throw new IllegalArgumentException(name + ": default " + defaultValue + " outside " + rangeText());
        }
    }

    /** A parameter with range {@code [min, max]}. */
    public static ParamSpec of(String name, ParamUnit unit, long min, long max, long defaultValue, String description) {
        return new ParamSpec(name, unit, min, max, defaultValue, false, description);
    }

    /** A parameter with range {@code [min, max]} where 0 also means "off". */
    public static ParamSpec orOff(String name, ParamUnit unit, long min, long max, long defaultValue,
            String description) {
        return new ParamSpec(name, unit, min, max, defaultValue, true, description);
    }

    /** An on/off flag. */
    public static ParamSpec flag(String name, boolean defaultValue, String description) {
        return new ParamSpec(name, ParamUnit.BOOL, 0, 1, defaultValue ? 1 : 0, false, description);
    }

    /** {@link #option()} of a parameter without an option letter. */
    public static final char NO_OPTION = 0;
    /** Letters {@code xl sched-<name>} keeps for itself: {@code -d} domain, {@code -h} help. */
    public static final String RESERVED_OPTIONS = "dh";

    /** This parameter set by {@code -<letter> VALUE} in {@code xl sched-<name>}. */
    public ParamSpec withOption(char letter) {
        return new ParamSpec(name, unit, min, max, defaultValue, zeroMeansOff, description, letter, column);
    }

    /** This parameter under {@code header} in {@code xl sched-<name>} listings. */
    public ParamSpec withColumn(String header) {
        return new ParamSpec(name, unit, min, max, defaultValue, zeroMeansOff, description, option,
                Objects.requireNonNull(header, "header"));
    }

    /** Its option letter in {@code xl sched-<name>}, or {@link #NO_OPTION}. */
    public char option() {
        return option;
    }

    /** Its column header in {@code xl sched-<name>} listings: by default the name, capitalised, '_' as '-'. */
    public String column() {
        return column;
    }

    private static String defaultColumn(String name) {
        String n = name.replace('_', '-');
        return n.isEmpty() ? n : Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }

    public String name() {
        return name;
    }

    public ParamUnit unit() {
        return unit;
    }

    public long min() {
        return min;
    }

    public long max() {
        return max;
    }

    public long defaultValue() {
        return defaultValue;
    }

    public boolean zeroMeansOff() {
        return zeroMeansOff;
    }

    public String description() {
        return description;
    }

    public boolean accepts(long v) {
        return (v >= min && v <= max) || (zeroMeansOff && v == 0);
    }

    /**
     * Check a value, naming {@code scheduler} in the error.
     *
     * @throws SchedParamException if out of range
     */
    public long check(String scheduler, long v) {
        if (!accepts(v)) {
            throw new SchedParamException(name, scheduler + ": " + name + " = " + format(v) + " is out of range "
                    + rangeText() + " (default " + format(defaultValue) + ")");
        }
        return v;
    }

    /**
     * Parse a typed value ({@code 256}, {@code 10ms}, {@code on}) and check it.
     *
     * @throws SchedParamException with a message naming the parameter and what is accepted
     */
    public long parse(String scheduler, String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (unit == ParamUnit.BOOL) {
            switch (t) {
            case "1": case "on": case "true": case "yes":
                return 1;
            case "0": case "off": case "false": case "no":
                return 0;
            default:
                throw new SchedParamException(name, scheduler + ": " + name + " = '" + text
                        + "' is not a flag (use 1/0, on/off, true/false, yes/no)");
            }
        }
        int i = 0;
        if (i < t.length() && (t.charAt(i) == '-' || t.charAt(i) == '+')) {
            i++;
        }
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        String digits = t.substring(0, i);
        String suffix = t.substring(i).strip();
        if (unit == ParamUnit.PERCENT && suffix.equals("%")) {
            suffix = "";
        }
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new SchedParamException(name, scheduler + ": " + name + " = '" + text + "' is not a number"
                    + (unit.isTime() ? " (time in " + unit.suffix() + ", or with a suffix ns/us/ms/s)" : ""));
        }
        if (!suffix.isEmpty()) {
            ParamUnit typed = timeUnit(suffix);
            if (!unit.isTime() || typed == null) {
                throw new SchedParamException(name, scheduler + ": " + name + " = '" + text + "': unknown unit '"
                        + suffix + "'" + (unit.isTime() ? " (use ns, us, ms or s)" : " (" + name + " takes "
                        + (unit == ParamUnit.PERCENT ? "a percentage" : "a plain number") + ")"));
            }
            long ns;
            try {
                ns = typed.toNanos(value);
            } catch (ArithmeticException e) {
                throw new SchedParamException(name, scheduler + ": " + name + " = '" + text + "' is too large");
            }
            if (ns % unit.nanos() != 0) {
                throw new SchedParamException(name, scheduler + ": " + name + " = '" + text
                        + "' is not a whole number of " + unit.suffix());
            }
            value = ns / unit.nanos();
        }
        return check(scheduler, value);
    }

    private static ParamUnit timeUnit(String suffix) {
        for (ParamUnit u : ParamUnit.values()) {
            if (u.isTime() && u.suffix().equals(suffix)) {
                return u;
            }
        }
        return null;
    }

    /** The value with its unit: {@code 30ms}, {@code 25%}, {@code on}. */
    public String format(long v) {
        if (unit == ParamUnit.BOOL) {
            return v == 0 ? "off" : v == 1 ? "on" : Long.toString(v);
        }
        return v + unit.suffix();
    }

    /** {@code [1, 65535]} or {@code 0 (off) or [100us, 500000us]}. */
    public String rangeText() {
        String r = "[" + format(min) + ", " + format(max) + "]";
        return zeroMeansOff && min > 0 ? "0 (off) or " + r : r;
    }

    /** One line for {@code xl sched-<name> --help}. */
    @Override
    public String toString() {
        return name + " " + rangeText() + " default " + format(defaultValue) + ": " + description;
    }
}
