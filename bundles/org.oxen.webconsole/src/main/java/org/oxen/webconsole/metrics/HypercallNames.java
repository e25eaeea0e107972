package org.oxen.webconsole.metrics;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.Set;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.api.Vcpu;

/**
 * Hypercall numbers to Xen's names ({@code __HYPERVISOR_mmu_update} is {@code mmu_update}), read
 * once from the ABI's own constants in {@link Hypercall}, so the numbers live in one place.
 * Immutable.
 */
public final class HypercallNames {

    private static final Set<String> NOT_HYPERCALLS = Set.of("VECTOR", "PAGE_SLOT_SIZE", "NR_HYPERCALLS");
    private static final String[] NAMES = new String[Vcpu.HYPERCALL_NUMBERS];

    static {
        for (Field f : Hypercall.class.getFields()) {
            int m = f.getModifiers();
            if (f.getType() != int.class || !Modifier.isStatic(m) || !Modifier.isFinal(m) || NOT_HYPERCALLS.contains(f.getName())) {
                continue;
            }
            try {
                int nr = f.getInt(null);
                if (nr >= 0 && nr < NAMES.length && NAMES[nr] == null) {
                    NAMES[nr] = f.getName().toLowerCase(Locale.ROOT);
                }
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private HypercallNames() {
    }

    /** Xen's name of hypercall {@code nr}, or {@code hypercall_<nr>} for a number without one. */
    public static String name(int nr) {
        String n = nr >= 0 && nr < NAMES.length ? NAMES[nr] : null;
        return n != null ? n : "hypercall_" + nr;
    }
}
