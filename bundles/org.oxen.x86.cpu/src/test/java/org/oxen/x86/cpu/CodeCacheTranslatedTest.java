package org.oxen.x86.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link CodeCacheTest} again with the translator taking every branch target at once
 * (threshold 0): changed code, remapped frames, evictions and the random mixes run through
 * translated regions.
 */
class CodeCacheTranslatedTest extends CodeCacheTest {

    private static String old;

    @BeforeAll
    static void translateEverything() {
        old = System.getProperty("oxen.x86.cpu.jitThreshold");
        System.setProperty("oxen.x86.cpu.jitThreshold", "0");
    }

    @AfterAll
    static void restore() {
        if (old == null) System.clearProperty("oxen.x86.cpu.jitThreshold"); else System.setProperty("oxen.x86.cpu.jitThreshold", old);
    }
}
