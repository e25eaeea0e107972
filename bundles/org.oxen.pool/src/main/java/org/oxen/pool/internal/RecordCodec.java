package org.oxen.pool.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The text of every pool node: Java properties (ISO-8859-1 escapes, so any text survives) with a
 * {@code record=KIND/1} line first, so a node is never taken for another kind, and a parser
 * that names the node and the key when anything is missing or malformed.
 */
final class RecordCodec {

    static final String RECORD = "record";

    private RecordCodec() {
    }

    static byte[] encode(String kind, Map<String, String> fields) {
        Properties p = new Properties();
        p.setProperty(RECORD, kind + "/1");
        p.putAll(fields);
        StringWriter w = new StringWriter();
        try {
            // store() sorts nothing: write in key order so equal records are equal bytes
            w.write(RECORD + "=" + kind + "/1\n");
            for (Map.Entry<String, String> e : new TreeMap<>(fields).entrySet()) {
                Properties one = new Properties();
                one.setProperty(e.getKey(), e.getValue());
                StringWriter line = new StringWriter();
                one.store(line, null);
                line.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> w.write(l + "\n"));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The fields of a node of {@code kind}.
     *
     * @throws CorruptRecordException naming {@code path} and what is wrong
     */
    static Map<String, String> decode(String kind, String path, byte[] data) throws CorruptRecordException {
        if (data == null || data.length == 0) {
            throw new CorruptRecordException(path, "it is empty");
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(data, StandardCharsets.ISO_8859_1)));
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptRecordException(path, "it is no properties text (" + e.getMessage() + ")");
        }
        String rec = p.getProperty(RECORD);
        if (!(kind + "/1").equals(rec)) {
            throw new CorruptRecordException(path, "its record line is " + (rec == null ? "missing" : "'" + rec + "'")
                    + ", not " + kind + "/1");
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        out.remove(RECORD);
        return out;
    }

    static String required(Map<String, String> f, String key, String path) throws CorruptRecordException {
        String v = f.get(key);
        if (v == null || v.isEmpty()) {
            throw new CorruptRecordException(path, "it has no " + key);
        }
        return v;
    }

    static long number(Map<String, String> f, String key, String path, long min, long max)
            throws CorruptRecordException {
        String v = required(f, key, path);
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new CorruptRecordException(path, key + "=" + v + " is not a number in " + min + ".." + max);
    }

    static boolean flag(Map<String, String> f, String key, String path) throws CorruptRecordException {
        String v = f.getOrDefault(key, "false");
        if (v.equals("true") || v.equals("false")) {
            return v.equals("true");
        }
        throw new CorruptRecordException(path, key + "=" + v + " is neither true nor false");
    }

    /** A pool node that cannot be read: refused, by path and reason. */
    static final class CorruptRecordException extends Exception {
        private static final long serialVersionUID = 1L;

        CorruptRecordException(String path, String why) {
            super("pool node " + path + " is corrupt: " + why);
        }
    }
}
