package org.oxen.toolstack.xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class GetOptTest {

    private final GetOpt opts = new GetOpt("lvp:", "long=l", "pool:=p", "numa");

    @Test
    void clusteredFlagsAndAttachedArgument() throws Exception {
        GetOpt.Parsed p = opts.parse(List.of("-lvpPool-0", "dom1"));
        assertTrue(p.has("l"));
        assertTrue(p.has("v"));
        assertEquals("Pool-0", p.value("p"));
        assertEquals(List.of("dom1"), p.operands());
    }

    @Test
    void separateArgumentAndLongAliases() throws Exception {
        GetOpt.Parsed p = opts.parse(List.of("dom1", "--pool", "a", "--long", "--pool=b", "--numa"));
        assertEquals("b", p.value("p"));
        assertEquals(List.of("a", "b"), p.values("p"));
        assertTrue(p.has("l"));
        assertTrue(p.has("numa"));
        assertEquals(List.of("dom1"), p.operands());
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        GetOpt.Parsed p = opts.parse(List.of("-l", "--", "-v", "x"));
        assertTrue(p.has("l"));
        assertFalse(p.has("v"));
        assertEquals(List.of("-v", "x"), p.operands());
    }

    @Test
    void repeatedFlagsCount() throws Exception {
        assertEquals(3, opts.parse(List.of("-vv", "-v")).count("v"));
    }

    @Test
    void errorsUseGetoptWording() {
        assertEquals("invalid option -- 'x'",
                assertThrows(XlUsageException.class, () -> opts.parse(List.of("-x"))).getMessage());
        assertEquals("option requires an argument -- 'p'",
                assertThrows(XlUsageException.class, () -> opts.parse(List.of("-p"))).getMessage());
        assertEquals("unrecognized option '--nope'",
                assertThrows(XlUsageException.class, () -> opts.parse(List.of("--nope"))).getMessage());
        assertEquals("option '--numa' doesn't allow an argument",
                assertThrows(XlUsageException.class, () -> opts.parse(List.of("--numa=1"))).getMessage());
        assertEquals("option '--pool' requires an argument",
                assertThrows(XlUsageException.class, () -> opts.parse(List.of("--pool"))).getMessage());
    }

    @Test
    void badSpecsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GetOpt(":a"));
        assertThrows(IllegalArgumentException.class, () -> new GetOpt("a", "long=z"));
    }
}
