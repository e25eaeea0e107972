package org.oxen.toolstack.xl.internal;

import java.util.function.UnaryOperator;

/**
 * What oxen is configured to manage on this host: the pCPUs its scheduler loop will use and the
 * size of the machine-memory pool domains are built from. Read from framework properties
 * ({@code -Doxen.pcpus=2 -Doxen.memory.mib=1024}, or the runtime's bndrun).
 *
 * @param pcpus physical CPUs oxen will run vcpus on
 * @param memoryMiB machine-memory pool in MiB
 */
record HostSettings(int pcpus, int memoryMiB) {

    static final String PCPUS = "oxen.pcpus";
    static final String MEMORY_MIB = "oxen.memory.mib";
    static final int DEFAULT_MEMORY_MIB = 1024;
    /** PAE reaches 64 GiB of machine memory. */
    static final int MAX_MEMORY_MIB = 64 * 1024;
    static final int MAX_PCPUS = 256;

    /**
     * Reads and checks the settings.
     *
     * @param property looks a property up by name, {@code null} when unset
     * @throws IllegalArgumentException naming the property and the bad value
     */
    static HostSettings from(UnaryOperator<String> property) {
        int hostCpus = Runtime.getRuntime().availableProcessors();
        int pcpus = parse(property, PCPUS, hostCpus, 1, MAX_PCPUS);
        int memory = parse(property, MEMORY_MIB, DEFAULT_MEMORY_MIB, 1, MAX_MEMORY_MIB);
        return new HostSettings(pcpus, memory);
    }

    private static int parse(UnaryOperator<String> property, String name, int dflt, int min, int max) {
        String raw = property.apply(name);
        if (raw == null || raw.isBlank()) {
            return dflt;
        }
        int value;
        try {
            value = Integer.parseInt(raw.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("property " + name + "='" + raw + "' is not a whole number");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "property " + name + "=" + value + " is outside " + min + ".." + max);
        }
        return value;
    }
}
