package org.oxen.toolstack.xl.internal.xentrace;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.oxen.vmm.abi.Trace;

/**
 * Event numbers to names ({@code TRC_SCHED_SWITCH} is {@code sched_switch}), read once from the
 * ABI's own constants in {@link Trace}, so each number lives in one place. Immutable.
 */
final class TraceNames {

    /** Constants of {@link Trace} that are classes, sub-classes or layout, not events. */
    private static final Set<String> NOT_EVENTS = Set.of("TRACE_EXTRA_MAX", "TRACE_EXTRA_SHIFT", "TRC_HD_CYCLE_FLAG",
            "TRC_EVENT_MASK", "TRC_GEN", "TRC_SCHED", "TRC_DOM0OP", "TRC_HVM", "TRC_MEM", "TRC_PV", "TRC_SHADOW", "TRC_HW",
            "TRC_OXEN_EVTCHN", "TRC_GUEST", "TRC_ALL", "TRC_SCHED_MIN", "TRC_SCHED_VERBOSE", "TRC_DOM0_DOMOPS",
            "TRC_HVM_HANDLER", "TRC_PV_ENTRY", "TRC_PV_SUBCALL", "TRC_PV_OXEN_EXIT", "TRC_OXEN_EVTCHN_OPS", "IDLE_DOMID",
            "TRC_OXEN_BACKEND", "TRC_OXEN_BLKBACK", "TRC_OXEN_NETBACK", "TRC_PV_OXEN_IO");
    private static final Map<Integer, String> NAMES = new HashMap<>();

    static {
        for (Field f : Trace.class.getFields()) {
            int m = f.getModifiers();
            if (f.getType() != int.class || !Modifier.isStatic(m) || NOT_EVENTS.contains(f.getName())) continue;
            try {
                NAMES.putIfAbsent(f.getInt(null), f.getName().substring(4).toLowerCase(Locale.ROOT));
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private TraceNames() {
    }

    /** The event's name, or its number in hex for one the ABI does not name. */
    static String name(int event) {
        String n = NAMES.get(event & Trace.TRC_EVENT_MASK);
        return n != null ? n : String.format("0x%08x", event);
    }

    /** A mask: a class name (sched, pv, mem, evtchn, backend, ...; all), or a number (0x... hex, else decimal). */
    static int mask(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        switch (l) {
            case "all": return Trace.TRC_ALL;
            case "gen": return Trace.TRC_GEN;
            case "sched": return Trace.TRC_SCHED;
            case "dom0op": return Trace.TRC_DOM0OP;
            case "hvm": return Trace.TRC_HVM;
            case "mem": return Trace.TRC_MEM;
            case "pv": return Trace.TRC_PV;
            case "evtchn": return Trace.TRC_OXEN_EVTCHN;
            case "backend": return Trace.TRC_OXEN_BACKEND;
            default:
                try {
                    return l.startsWith("0x") ? Integer.parseUnsignedInt(l.substring(2), 16) : Integer.parseUnsignedInt(l);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + s + "' is no trace mask: give a number (0x0002f000) or a class "
                            + "(all, sched, dom0op, hvm, mem, pv, evtchn, backend, gen; several joined with +)");
                }
        }
    }

    /** Masks joined with '+' ("sched+pv"). */
    static int masks(String s) {
        int m = 0;
        for (String part : s.split("\\+")) m |= mask(part.trim());
        return m;
    }
}
