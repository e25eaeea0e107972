package org.oxen.toolstack.xl.cfg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses xl.cfg text as Xen's xl does (libxlu's grammar, see xl.cfg(5)).
 *
 * <pre>
 * file     := { setting | separator }
 * setting  := KEY ( '=' | '+=' ) value separator
 * value    := STRING | NUMBER | '[' [ value { ',' value } [ ',' ] ] ']'
 * separator:= NEWLINE | ';' | end of file
 * </pre>
 *
 * Strings take single or double quotes with C escapes ({@code \n \t \\ \" \' \xHH \NNN} ...);
 * numbers are decimal or {@code 0x} hex; {@code #} starts a comment to the end of the line;
 * newlines inside a list are ignored and a backslash before a newline joins two lines.
 * {@code KEY += value} appends to a list (or concatenates strings), as xl does. Errors name
 * {@code file:line:column}. The parser is a single pass over the text with no backtracking.
 */
public final class XlConfigParser {

    private final String file;
    private final String text;
    private int pos;
    private int line = 1;
    private int column = 1;

    private XlConfigParser(String file, String text) {
        this.file = file;
        this.text = text;
    }

    /**
     * Parses {@code text}; {@code file} names it in error messages.
     *
     * @throws XlConfigException at the first error, with its position
     */
    public static XlConfig parse(String file, String text) throws XlConfigException {
        return new XlConfigParser(file, text).file(new LinkedHashMap<>());
    }

    /** Where {@code key=value} overrides given after the file name are reported. */
    public static final String COMMAND_LINE = "<command line>";

    /**
     * Parses {@code text}, then each of {@code overrides} as one more line of the file, as
     * {@code xl create cfg key=value ...} does: an override replaces the key's value
     * ({@code key+=value} appends). Errors in an override name {@value #COMMAND_LINE}, line =
     * the override's position among them. As an oxen convenience for shells that strip quotes
     * (Gogo does), a value that is neither a quoted string, a number nor a list is taken as a
     * string: {@code name=web1} means {@code name="web1"}.
     *
     * @throws XlConfigException at the first error, with its position
     */
    public static XlConfig parse(String file, String text, List<String> overrides) throws XlConfigException {
        Map<String, XlConfig.Setting> settings = new LinkedHashMap<>();
        new XlConfigParser(file, text).file(settings);
        int n = 0;
        for (String override : overrides) {
            XlConfigParser p = new XlConfigParser(COMMAND_LINE, quoteBareValue(override));
            p.line = ++n;
            p.file(settings);
        }
        return new XlConfig(file, settings);
    }

    /**
     * {@code key=word} becomes {@code key="word"} when {@code word} is no xl.cfg value: an
     * override as the line of xl.cfg it stands for (1.5: public, for a pool that ships a config
     * with its overrides as text).
     */
    public static String quoteBareValue(String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            return override;
        }
        String value = override.substring(eq + 1).strip();
        if (value.isEmpty() || value.startsWith("\"") || value.startsWith("'") || value.startsWith("[")
                || value.matches("[0-9]+|0[xX][0-9a-fA-F]+")) {
            return override;
        }
        String escaped = value.replace("\\", "\\\\").replace("\"", "\\\"");
        return override.substring(0, eq + 1) + "\"" + escaped + "\"";
    }

    private XlConfig file(Map<String, XlConfig.Setting> settings) throws XlConfigException {
        while (true) {
            skipBlanks(false);
            if (atEnd()) {
                break;
            }
            char c = peek();
            if (c == '\n' || c == ';') {
                advance();
                continue;
            }
            ConfigPosition at = here();
            if (!isKeyStart(c)) {
                throw error(at, "expected a setting name, found " + describe(c));
            }
            String key = key();
            skipBlanks(false);
            boolean append = false;
            if (peekIs("+=")) {
                append = true;
                advance();
                advance();
            } else if (!atEnd() && peek() == '=') {
                advance();
            } else {
                throw error(here(), "expected '=' or '+=' after '" + key + "', found " + describeHere());
            }
            skipBlanks(false);
            ConfigValue value = value(false);
            skipBlanks(false);
            if (!atEnd() && peek() != '\n' && peek() != ';') {
                throw error(here(), "expected end of line after the value of '" + key + "', found " + describeHere());
            }
            XlConfig.Setting previous = settings.get(key);
            if (append && previous != null) {
                value = appendValues(key, previous.value(), value);
            }
            settings.put(key, new XlConfig.Setting(key, value, at));
        }
        return new XlConfig(file, settings);
    }

    private ConfigValue appendValues(String key, ConfigValue old, ConfigValue add) throws XlConfigException {
        if (old instanceof ConfigValue.Lst l) {
            List<ConfigValue> items = new ArrayList<>(l.items());
            if (add instanceof ConfigValue.Lst a) {
                items.addAll(a.items());
            } else {
                items.add(add);
            }
            return new ConfigValue.Lst(items, l.position());
        }
        if (old instanceof ConfigValue.Str s && add instanceof ConfigValue.Str a) {
            return new ConfigValue.Str(s.value() + a.value(), s.position());
        }
        throw error(add.position(), "cannot append to '" + key + "': it holds a "
                + kind(old) + " and the new value is a " + kind(add));
    }

    private static String kind(ConfigValue v) {
        return v instanceof ConfigValue.Str ? "string" : v instanceof ConfigValue.Num ? "number" : "list";
    }

    private ConfigValue value(boolean inList) throws XlConfigException {
        if (atEnd()) {
            throw error(here(), "expected a value, found end of file");
        }
        char c = peek();
        ConfigPosition at = here();
        if (c == '"' || c == '\'') {
            return new ConfigValue.Str(string(), at);
        }
        if (c >= '0' && c <= '9') {
            return new ConfigValue.Num(number(), at);
        }
        if (c == '[') {
            advance();
            return list(at);
        }
        if (c == '\n' && !inList) {
            throw error(at, "expected a value, found end of line");
        }
        throw error(at, "expected a value (\"string\", number or [list]), found " + describe(c));
    }

    private ConfigValue list(ConfigPosition start) throws XlConfigException {
        List<ConfigValue> items = new ArrayList<>();
        while (true) {
            skipBlanks(true);
            if (atEnd()) {
                throw error(start, "list opened here is not closed with ']'");
            }
            if (peek() == ']') {
                advance();
                return new ConfigValue.Lst(items, start);
            }
            items.add(value(true));
            skipBlanks(true);
            if (atEnd()) {
                throw error(start, "list opened here is not closed with ']'");
            }
            char c = peek();
            if (c == ',') {
                advance();
            } else if (c != ']') {
                throw error(here(), "expected ',' or ']' in list, found " + describe(c));
            }
        }
    }

    private String string() throws XlConfigException {
        ConfigPosition start = here();
        char quote = advance();
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (atEnd() || peek() == '\n') {
                throw error(start, "string opened here is not closed with " + quote);
            }
            char c = advance();
            if (c == quote) {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (atEnd()) {
                throw error(start, "string opened here is not closed with " + quote);
            }
            ConfigPosition escAt = here();
            char e = advance();
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'a' -> sb.append('\007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\013');
                case '\\', '"', '\'' -> sb.append(e);
                case 'x' -> sb.append((char) digits(escAt, 16, 2, "\\x needs hex digits"));
                default -> {
                    if (e >= '0' && e <= '7') {
                        pos--;
                        column--;
                        int v = digits(escAt, 8, 3, "bad octal escape");
                        if (v > 0xFF) {
                            throw error(escAt, "octal escape \\" + Integer.toOctalString(v) + " is above \\377");
                        }
                        sb.append((char) v);
                    } else {
                        throw error(escAt, "unknown escape '\\" + e + "' in string");
                    }
                }
            }
        }
    }

    private int digits(ConfigPosition at, int radix, int max, String problem) throws XlConfigException {
        int value = 0;
        int n = 0;
        while (n < max && !atEnd() && Character.digit(peek(), radix) >= 0) {
            value = value * radix + Character.digit(advance(), radix);
            n++;
        }
        if (n == 0) {
            throw error(at, problem);
        }
        return value;
    }

    private String number() throws XlConfigException {
        ConfigPosition at = here();
        int start = pos;
        if (peekIs("0x") || peekIs("0X")) {
            advance();
            advance();
            if (atEnd() || Character.digit(peek(), 16) < 0) {
                throw error(at, "hex number needs digits after 0x");
            }
            while (!atEnd() && Character.digit(peek(), 16) >= 0) {
                advance();
            }
        } else {
            while (!atEnd() && peek() >= '0' && peek() <= '9') {
                advance();
            }
        }
        if (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '.')) {
            throw error(at, "malformed number '" + text.substring(start, pos) + peek() + "...'");
        }
        return text.substring(start, pos);
    }

    private String key() {
        int start = pos;
        while (!atEnd() && (isKeyStart(peek()) || Character.isDigit(peek()) || peek() == '.')) {
            advance();
        }
        return text.substring(start, pos);
    }

    private static boolean isKeyStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    /** Skips spaces, tabs, CRs, comments and backslash-newlines; newlines too when {@code newlines}. */
    private void skipBlanks(boolean newlines) {
        while (!atEnd()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
                advance();
            } else if (c == '#') {
                while (!atEnd() && peek() != '\n') {
                    advance();
                }
            } else if (c == '\\' && (peekIs("\\\n") || peekIs("\\\r\n"))) {
                advance();
                if (peek() == '\r') {
                    advance();
                }
                advance();
            } else {
                return;
            }
        }
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    private char peek() {
        return text.charAt(pos);
    }

    private boolean peekIs(String s) {
        return text.startsWith(s, pos);
    }

    private char advance() {
        char c = text.charAt(pos++);
        if (c == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        return c;
    }

    private ConfigPosition here() {
        return new ConfigPosition(file, line, column);
    }

    private String describeHere() {
        return atEnd() ? "end of file" : describe(peek());
    }

    private static String describe(char c) {
        if (c == '\n') {
            return "end of line";
        }
        if (c < 0x20 || c == 0x7F) {
            return String.format("control character 0x%02x", (int) c);
        }
        return "'" + c + "'";
    }

    private XlConfigException error(ConfigPosition at, String problem) {
        return new XlConfigException(at, problem);
    }
}
