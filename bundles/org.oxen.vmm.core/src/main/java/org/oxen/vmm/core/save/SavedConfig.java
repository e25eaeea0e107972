package org.oxen.vmm.core.save;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.oxen.vmm.api.DomainConfig;

/**
 * The DOMAIN_CONFIG record: what the restoring hypervisor needs before the pages (libxl keeps
 * the like in its own stream): the name, uuid, command line, the span of pfns and the
 * maximum reservation, the vcpus, the clock and VM assists. Body: the fixed fields, then the
 * name and command line as UTF-8 with u16 lengths.
 *
 * @param pfns        the pfns the stream may name: 0..pfns-1 (the hypervisor's P2M size)
 * @param maxMemKiB   Xen's max_pages in KiB
 * @param vcpus       vcpus of the domain
 * @param instructions deterministic time (clock = "instructions")
 */
public record SavedConfig(String name, UUID uuid, String cmdline, int pfns, long maxMemKiB, int vcpus,
        boolean instructions, int vmAssist) {

    static final int FIXED = 16 + 4 + 8 + 4 + 4 + 4;

    void encode(ByteBuffer b) {
        b.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        b.putInt(pfns).putLong(maxMemKiB).putInt(vcpus).putInt(instructions ? 1 : 0).putInt(vmAssist);
        putString(b, name);
        putString(b, cmdline);
    }

    static SavedConfig decode(StreamReader r) throws StreamFormatException {
        ByteBuffer b = r.body();
        r.need(FIXED, "the configuration's fixed fields");
        UUID uuid = new UUID(b.getLong(), b.getLong());
        int pfns = b.getInt();
        long maxKiB = b.getLong();
        int vcpus = b.getInt();
        int clock = b.getInt();
        int vmAssist = b.getInt();
        String name = getString(r, "the name");
        String cmdline = getString(r, "the command line");
        if (pfns <= 0 || pfns > (1 << 20)) {
            throw new StreamFormatException(r.where() + ": " + pfns + " pfns (want 1.." + (1 << 20) + ")");
        }
        if (vcpus < 1 || vcpus > DomainConfig.MAX_VCPUS) {
            throw new StreamFormatException(r.where() + ": " + vcpus + " vcpus (want 1.." + DomainConfig.MAX_VCPUS + ")");
        }
        if (maxKiB < 0 || clock < 0 || clock > 1) {
            throw new StreamFormatException(r.where() + ": maximum " + maxKiB + " KiB, clock " + clock + ": corrupted");
        }
        String problem = DomainConfig.nameProblem(name);
        if (problem != null) throw new StreamFormatException(r.where() + ": the saved name: " + problem);
        if (cmdline.length() > DomainConfig.MAX_CMDLINE) {
            throw new StreamFormatException(r.where() + ": a command line of " + cmdline.length() + " characters");
        }
        return new SavedConfig(name, uuid, cmdline, pfns, maxKiB, vcpus, clock == 1, vmAssist);
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) u.length).put(u);
    }

    private static String getString(StreamReader r, String what) throws StreamFormatException {
        r.need(2, what + "'s length");
        int n = r.body().getShort() & 0xFFFF;
        r.need(n, what);
        byte[] u = new byte[n];
        r.body().get(u);
        return new String(u, StandardCharsets.UTF_8);
    }
}
