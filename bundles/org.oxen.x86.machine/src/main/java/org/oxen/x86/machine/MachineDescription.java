package org.oxen.x86.machine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.oxen.x86.bus.DeviceEntry;

/**
 * What a machine is made of: RAM, CPUs, clock and devices (in creation order, as the device
 * toolkit's {@link DeviceEntry}: id, type, options). Immutable; the {@code with...} methods
 * return changed copies.
 *
 * <h2>Text form</h2>
 * Entries are separated by new lines or {@code ;}; {@code #} starts a comment.
 * <pre>
 * pc                                   start from the default PC ({@link #pc()})
 * ram=64 cpus=2 clock=deterministic:10 machine settings (RAM in MiB; clock real|deterministic[:ns per instruction])
 * cpus=4 threads=2                     the CPUs as cores of one package (default), or as threads: 2 per core
 * com1:uart io.uart=0x3f8 irq=4        a device: id:type, then options (type alone: id = type)
 * com1 console=file:/tmp/com1.log      an existing id: change options (key= removes the key)
 * -lapic                               remove a device
 * </pre>
 * The default PC in text form is {@link #DEFAULT_PC_TEXT}.
 */
public final class MachineDescription {

    /** The clock a machine runs on. */
    public enum ClockMode { REAL, DETERMINISTIC }

    /** The default PC: the classic ports, IRQs and APIC addresses. */
    public static final String DEFAULT_PC_TEXT = String.join("\n",
            "ram=64 cpus=1 clock=real",
            "pic io.master=0x20 io.slave=0xa0 io.elcr=0x4d0",
            "pit io.pit=0x40 io.speaker=0x61 irq=0",
            "rtc io.rtc=0x70 irq=8",
            "com1:uart io.uart=0x3f8 irq=4 console=none",
            "debugcon io.console=0xe9 io.exit=0xf4 console=none",
            "pci io.config=0xcf8 io.pm=0xb000",
            "ioapic mmio.ioapic=0xfec00000",
            "lapic mmio.apic=0xfee00000");

    public static final int MAX_RAM_MIB = 3072;
    public static final int MAX_CPUS = 16;

    private final int ramMiB;
    private final int cpus;
    /** Threads per core of the CPUs' one package (1: every CPU a core). */
    private final int threads;
    private final ClockMode clock;
    private final long nanosPerInstruction;
    private final List<DeviceEntry> devices;

    private MachineDescription(int ramMiB, int cpus, int threads, ClockMode clock, long nanosPerInstruction,
            List<DeviceEntry> devices) {
        if (cpus % threads != 0) {
            throw new MachineException("machine description: " + cpus + " CPUs are not whole cores of " + threads + " threads");
        }
        this.ramMiB = ramMiB;
        this.cpus = cpus;
        this.threads = threads;
        this.clock = clock;
        this.nanosPerInstruction = nanosPerInstruction;
        this.devices = List.copyOf(devices);
    }

    /** An empty machine: 64 MiB, one CPU, real clock, no devices. */
    public static MachineDescription empty() {
        return new MachineDescription(64, 1, 1, ClockMode.REAL, 10, List.of());
    }

    /** The default PC ({@link #DEFAULT_PC_TEXT}). */
    public static MachineDescription pc() {
        return empty().apply(DEFAULT_PC_TEXT);
    }

    /** Parses the text form, starting from an empty machine (a first entry {@code pc} starts from the PC). */
    public static MachineDescription parse(String text) {
        return empty().apply(text);
    }

    /** Applies the entries of the text form to this description. */
    public MachineDescription apply(String text) {
        int ram = ramMiB, n = cpus, t = threads;
        ClockMode mode = clock;
        long nspi = nanosPerInstruction;
        Map<String, DeviceEntry> devs = new LinkedHashMap<>();
        devices.forEach(d -> devs.put(d.id(), d));
        int lineNo = 0;
        for (String rawLine : text.split("[\\n;]")) {
            lineNo++;
            String line = rawLine.contains("#") ? rawLine.substring(0, rawLine.indexOf('#')) : rawLine;
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] words = line.split("\\s+");
            String head = words[0];
            if (head.equals("pc")) {
                MachineDescription p = pc();
                ram = p.ramMiB;
                n = p.cpus;
                t = p.threads;
                mode = p.clock;
                nspi = p.nanosPerInstruction;
                devs.clear();
                p.devices.forEach(d -> devs.put(d.id(), d));
                continue;
            }
            if (head.startsWith("-")) {
                String id = head.substring(1);
                if (devs.remove(id) == null) {
                    throw new MachineException("machine description, entry '" + line + "': no device '" + id + "' to remove");
                }
                continue;
            }
            if (head.contains("=")) { // machine settings
                for (String w : words) {
                    int eq = w.indexOf('=');
                    if (eq <= 0) {
                        throw new MachineException("machine description, entry '" + line + "': expected key=value, got '" + w + "'");
                    }
                    String k = w.substring(0, eq), v = w.substring(eq + 1);
                    switch (k) {
                        case "ram" -> ram = (int) number(line, k, v.endsWith("M") ? v.substring(0, v.length() - 1) : v, 2, MAX_RAM_MIB);
                        case "cpus" -> n = (int) number(line, k, v, 1, MAX_CPUS);
                        case "threads" -> {
                            t = (int) number(line, k, v, 1, MAX_CPUS);
                            if (Integer.bitCount(t) != 1) {
                                throw new MachineException("machine description: option 'threads': " + t
                                        + " threads per core is not a power of two");
                            }
                        }
                        case "clock" -> {
                            if (v.equals("real")) {
                                mode = ClockMode.REAL;
                            } else if (v.equals("deterministic") || v.startsWith("deterministic:")) {
                                mode = ClockMode.DETERMINISTIC;
                                if (v.contains(":")) {
                                    nspi = number(line, k, v.substring(v.indexOf(':') + 1), 1, 1_000_000);
                                }
                            } else {
                                throw new MachineException("machine description: option 'clock': expected real or deterministic[:ns], got '" + v + "'");
                            }
                        }
                        default -> throw new MachineException("machine description: unknown machine option '" + k
                                + "' (expected ram, cpus, threads, clock)");
                    }
                }
                continue;
            }
            String id = head, type = head;
            if (head.contains(":")) {
                id = head.substring(0, head.indexOf(':'));
                type = head.substring(head.indexOf(':') + 1);
                if (id.isEmpty() || type.isEmpty()) {
                    throw new MachineException("machine description, entry '" + line + "': expected id:type, got '" + head + "'");
                }
            }
            DeviceEntry e = devs.get(id);
            if (e != null && head.contains(":") && !e.type().equals(type)) {
                throw new MachineException("device " + id + ": already defined as type " + e.type() + ", not " + type);
            }
            if (e == null) {
                e = new DeviceEntry(id, type, Map.of());
            }
            for (int i = 1; i < words.length; i++) {
                int eq = words[i].indexOf('=');
                if (eq <= 0) {
                    throw new MachineException("device " + id + " (" + e.type() + "): expected key=value, got '" + words[i] + "'");
                }
                e = with(e, words[i].substring(0, eq), words[i].substring(eq + 1));
            }
            devs.put(id, e);
        }
        return new MachineDescription(ram, n, t, mode, nspi, new ArrayList<>(devs.values()));
    }

    /** {@code e} with {@code key=value}; a {@code null} or empty value removes the key. */
    private static DeviceEntry with(DeviceEntry e, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(e.options());
        if (value == null || value.isEmpty()) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return new DeviceEntry(e.id(), e.type(), m);
    }

    /** The text form of one entry: {@code id:type key=value ...} ({@code type ...} when id equals type), keys sorted. */
    public static String text(DeviceEntry e) {
        StringBuilder b = new StringBuilder(e.id().equals(e.type()) ? e.type() : e.id() + ":" + e.type());
        new java.util.TreeMap<>(e.options()).forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }

    private static long number(String line, String key, String v, long min, long max) {
        long x;
        try {
            x = v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new MachineException("machine description: option '" + key + "': expected an integer, got '" + v + "'");
        }
        if (x < min || x > max) {
            throw new MachineException("machine description: option '" + key + "': " + x + " is out of range [" + min + ", " + max + "]");
        }
        return x;
    }

    public int ramMiB() {
        return ramMiB;
    }

    public int cpus() {
        return cpus;
    }

    /** Threads per core: the CPUs form one package of {@code cpus() / threadsPerCore()} cores (1.4). */
    public int threadsPerCore() {
        return threads;
    }

    public ClockMode clock() {
        return clock;
    }

    /** Nanoseconds per instruction of the deterministic clock. */
    public long nanosPerInstruction() {
        return nanosPerInstruction;
    }

    public List<DeviceEntry> devices() {
        return devices;
    }

    /**
     * The port of the ACPI PM registers the firmware's FADT names: the first {@code pci}
     * device's region {@code io.pm}, or -1 if none has it (then the board has no ACPI hardware
     * and the loaders write no ACPI tables).
     */
    public int acpiPmPort() {
        for (DeviceEntry d : devices) {
            if (d.type().equals("pci") && d.options().containsKey("io.pm")) {
                return d.config().intValue("io.pm", -1, 1, 0xFFFF);
            }
        }
        return -1;
    }

    /** The device with {@code id}, or {@code null}. */
    public DeviceEntry device(String id) {
        return devices.stream().filter(d -> d.id().equals(id)).findFirst().orElse(null);
    }

    public MachineDescription withRam(int mib) {
        return apply("ram=" + mib);
    }

    public MachineDescription withCpus(int n) {
        return apply("cpus=" + n);
    }

    public MachineDescription withClock(ClockMode mode) {
        return new MachineDescription(ramMiB, cpus, threads, mode, nanosPerInstruction, devices);
    }

    /** This description with option {@code key} of device {@code id} set (or removed if value is null). */
    public MachineDescription withOption(String id, String key, String value) {
        List<DeviceEntry> list = new ArrayList<>();
        boolean found = false;
        for (DeviceEntry d : devices) {
            if (d.id().equals(id)) {
                d = with(d, key, value);
                found = true;
            }
            list.add(d);
        }
        if (!found) {
            throw new MachineException("machine description: no device '" + id + "'");
        }
        return new MachineDescription(ramMiB, cpus, threads, clock, nanosPerInstruction, list);
    }

    /** The text form; {@code parse(toString())} gives an equal description. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ram=").append(ramMiB).append(" cpus=").append(cpus)
                .append(threads == 1 ? "" : " threads=" + threads).append(" clock=")
                .append(clock == ClockMode.REAL ? "real" : "deterministic:" + nanosPerInstruction);
        devices.forEach(d -> b.append('\n').append(text(d)));
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MachineDescription m && m.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
