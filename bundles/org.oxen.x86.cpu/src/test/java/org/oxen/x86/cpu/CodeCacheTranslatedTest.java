package org.oxen.x86.cpu;

/**
 * {@link CodeCacheTest} again with the translator taking every branch target at once
 * (threshold 0): changed code, remapped frames, evictions and the random mixes run through
 * translated regions.
 */
class CodeCacheTranslatedTest extends CodeCacheTest {

    @Override
    CpuOptions options() {
        return CpuOptions.DEFAULT.translateAtOnce();
    }
}
