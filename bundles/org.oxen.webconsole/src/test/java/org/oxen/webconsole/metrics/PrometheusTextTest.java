package org.oxen.webconsole.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Label values are escaped as the exposition format requires; hypercall names are Xen's. */
class PrometheusTextTest {

    @Test
    void labelValuesAreEscaped() {
        StringBuilder b = new StringBuilder();
        PrometheusText.escape(b, "a\\b\"c\nd");
        assertEquals("a\\\\b\\\"c\\nd", b.toString());
    }

    @Test
    void hypercallNamesComeFromTheAbi() {
        assertEquals("mmu_update", HypercallNames.name(1));
        assertEquals("event_channel_op", HypercallNames.name(32));
        assertEquals("hypercall_11", HypercallNames.name(11), "a number without a name");
        assertEquals("hypercall_99", HypercallNames.name(99));
    }
}
