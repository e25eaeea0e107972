package org.oxen.toolstack.xl.cfg;

/**
 * Where something stands in a config file: 1-based line and column, as compilers report it.
 *
 * @param file the file name used in messages
 * @param line 1-based line
 * @param column 1-based column
 */
public record ConfigPosition(String file, int line, int column) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
