package org.oxen.vmm.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a domain is made of (the part of xl.cfg the hypervisor needs). Immutable; build with
 * {@link #builder(String)}; {@link Builder#build()} validates and names the first problem.
 */
public final class DomainConfig {

    /** Limits oxen enforces: vcpus as many as shared_info has vcpu_info slots (XEN_LEGACY_MAX_VCPUS on x86). */
    public static final int MAX_VCPUS = 32;
    public static final int MAX_CMDLINE = 1023;
    public static final int MAX_NAME = 64;
    /** Largest domain (machine memory itself is at most 3 GiB: CR3 and PAE entries stay below 4 GiB). */
    public static final int MAX_MEMORY_MIB = 1536;

    /** The name of domain 0 (in oxen, the Java host): no guest may take it. */
    public static final String RESERVED_NAME = "Domain-0";

    /**
     * What is wrong with {@code name} as a domain name, or {@code null} when it is a good one: 1 to
     * {@value #MAX_NAME} characters, not {@value #RESERVED_NAME}, not all digits (it would be
     * taken for a domain id), no whitespace or control characters, no '/', '\\', quote or
     * double quote. Everything else is accepted, as xl accepts it: {@code ~}, {@code @},
     * {@code +}, letters of any script.
     *
     * @since 1.2
     */
    public static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "a domain name cannot be empty";
        }
        if (name.length() > MAX_NAME) {
            return "longer than " + MAX_NAME + " characters";
        }
        if (name.equals(RESERVED_NAME)) {
            return RESERVED_NAME + " is reserved for domain 0 (oxen's host)";
        }
        if (name.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "all digits: it would be taken for a domain id";
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)
                    || Character.getType(c) == Character.FORMAT) {
                return "contains whitespace or a control character";
            }
            if (c == '/' || c == '\\' || c == '"' || c == '\'') {
                return "contains '" + Character.toString(c) + "'";
            }
            i += Character.charCount(c);
        }
        return null;
    }

    private final String name;
    private final byte[] kernel;
    private final String kernelPath;
    private final String cmdline;
    private final int memoryMiB;
    private final int maxMemoryMiB;
    private final int vcpus;
    private final boolean startPaused;
    private final DomainType type;
    private final String serial;
    private final byte[] ramdisk;
    private final java.util.UUID uuid;
    private final GuestClock clock;

    private DomainConfig(Builder b, byte[] kernel) {
        this.name = b.name;
        this.kernel = kernel;
        this.kernelPath = b.kernelPath;
        this.cmdline = b.cmdline;
        this.memoryMiB = b.memoryMiB;
        this.maxMemoryMiB = b.maxMemoryMiB == 0 ? b.memoryMiB : b.maxMemoryMiB;
        this.vcpus = b.vcpus;
        this.startPaused = b.startPaused;
        this.type = b.type;
        this.serial = b.serial;
        this.ramdisk = b.ramdisk;
        this.uuid = b.uuid != null ? b.uuid : java.util.UUID.randomUUID();
        this.clock = b.clock;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** The kernel image (a copy). */
    public byte[] kernel() {
        return kernel.clone();
    }

    /** Where the kernel came from, for messages ("(bytes)" if given directly). */
    public String kernelPath() {
        return kernelPath;
    }

    public String cmdline() {
        return cmdline;
    }

    public int memoryMiB() {
        return memoryMiB;
    }

    public int maxMemoryMiB() {
        return maxMemoryMiB;
    }

    public int vcpus() {
        return vcpus;
    }

    /**
     * The domain's handle (XEN_DOMCTL_createdomain's {@code handle}, xl's uuid): the one given
     * to the builder, else a random one chosen when the config was built.
     *
     * @since 1.6
     */
    public java.util.UUID uuid() {
        return uuid;
    }

    public boolean startPaused() {
        return startPaused;
    }

    /** PV (the default) or HVM. @since 1.6 */
    public DomainType type() {
        return type;
    }

    /**
     * An HVM domain's first serial port (xl.cfg {@code serial}): {@code "pty"} (the default: the
     * domain's console, what {@code xl console} shows) or {@code "none"} (no serial port).
     * Ignored for PV domains. @since 1.6
     */
    public String serial() {
        return serial;
    }

    /**
     * An HVM domain's initrd for a Linux kernel (xl.cfg {@code ramdisk}; a copy), or null.
     * Refused for PV domains (no PV initrd yet). @since 1.6
     */
    public byte[] ramdisk() {
        return ramdisk == null ? null : ramdisk.clone();
    }

    /** The domain's time source (since 1.6; {@link GuestClock#DEFAULT} unless set). */
    public GuestClock clock() {
        return clock;
    }

    @Override
    public String toString() {
        return "DomainConfig[name=" + name + ", type=" + type + ", kernel=" + kernelPath + ", memory=" + memoryMiB + " MiB, maxmem="
                + maxMemoryMiB + " MiB, vcpus=" + vcpus + ", cmdline=\"" + cmdline + "\"]";
    }

    public static final class Builder {
        private final String name;
        private byte[] kernel;
        private String kernelPath = "(bytes)";
        private String cmdline = "";
        private int memoryMiB = 32;
        private int maxMemoryMiB;
        private int vcpus = 1;
        private boolean startPaused;
        private DomainType type = DomainType.PV;
        private String serial = "pty";
        private byte[] ramdisk;
        private java.util.UUID uuid;
        private GuestClock clock = GuestClock.DEFAULT;

        private Builder(String name) {
            this.name = name;
        }

        public Builder kernel(byte[] image) {
            this.kernel = Objects.requireNonNull(image, "kernel").clone();
            this.kernelPath = "(bytes)";
            return this;
        }

        /** Reads the kernel from a file now; IllegalArgumentException if it cannot be read. */
        public Builder kernel(Path path) {
            try {
                this.kernel = Files.readAllBytes(path);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read kernel " + path + ": " + e.getMessage(), e);
            }
            this.kernelPath = path.toString();
            return this;
        }

        public Builder cmdline(String cmdline) {
            this.cmdline = Objects.requireNonNull(cmdline, "cmdline");
            return this;
        }

        public Builder memoryMiB(int mib) {
            this.memoryMiB = mib;
            return this;
        }

        public Builder maxMemoryMiB(int mib) {
            this.maxMemoryMiB = mib;
            return this;
        }

        public Builder vcpus(int n) {
            this.vcpus = n;
            return this;
        }

        /** The domain's uuid (null: a random one). @since 1.6 */
        public Builder uuid(java.util.UUID uuid) {
            this.uuid = uuid;
            return this;
        }

        public Builder startPaused(boolean paused) {
            this.startPaused = paused;
            return this;
        }

        /** @since 1.6 */
        public Builder type(DomainType type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** An HVM domain's serial port: "pty" or "none". @since 1.6 */
        public Builder serial(String serial) {
            this.serial = Objects.requireNonNull(serial, "serial");
            return this;
        }

        /** An HVM Linux kernel's initrd. @since 1.6 */
        public Builder ramdisk(byte[] image) {
            this.ramdisk = image == null ? null : image.clone();
            return this;
        }

        /** The domain's time source (since 1.6). */
        public Builder clock(GuestClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field */
        public DomainConfig build() {
            String problem = nameProblem(name);
            if (problem != null) {
                throw new IllegalArgumentException("invalid domain name '" + name + "': " + problem);
            }
            if (kernel == null || kernel.length == 0) {
                throw new IllegalArgumentException("domain " + name + ": no kernel image");
            }
            if (memoryMiB < 1) {
                throw new IllegalArgumentException("domain " + name + ": memory must be at least 1 MiB, not "
                        + memoryMiB);
            }
            if (memoryMiB > MAX_MEMORY_MIB) {
                throw new IllegalArgumentException("domain " + name + ": memory " + memoryMiB
                        + " MiB is above oxen's limit of " + MAX_MEMORY_MIB + " MiB for a 32-bit domain");
            }
            if (maxMemoryMiB != 0 && maxMemoryMiB < memoryMiB) {
                throw new IllegalArgumentException("domain " + name + ": maxmem " + maxMemoryMiB
                        + " MiB is below memory " + memoryMiB + " MiB");
            }
            if (vcpus < 1 || vcpus > MAX_VCPUS) {
                throw new IllegalArgumentException("domain " + name + ": vcpus must be 1.." + MAX_VCPUS + ", not "
                        + vcpus);
            }
            if (ramdisk != null && type != DomainType.HVM) {
                throw new IllegalArgumentException("domain " + name + ": a ramdisk is supported for HVM domains only");
            }
            if (!serial.equals("pty") && !serial.equals("none")) {
                throw new IllegalArgumentException("domain " + name + ": serial \"" + serial
                        + "\" is not supported: \"pty\" (the domain's console) or \"none\"");
            }
            if (cmdline.length() > MAX_CMDLINE) {
                throw new IllegalArgumentException("domain " + name + ": command line longer than " + MAX_CMDLINE
                        + " characters");
            }
            return new DomainConfig(this, kernel);
        }
    }
}
