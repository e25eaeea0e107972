package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.oxen.vmm.abi.Hvm;
import org.oxen.vmm.core.arch.hvm.HvmCpuRecord;
import org.oxen.vmm.core.arch.hvm.HvmPlatform;
import org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.grant.GrantTable;
import org.oxen.vmm.core.time.VcpuTimers;
import org.oxen.x86.api.Ram;
import org.oxen.x86.api.device.DeviceState;

/**
 * An HVM domain's records beyond its pages (libxc's xc_sr_save_x86_hvm.c and
 * xc_sr_restore_x86_hvm.c): HVM_CONTEXT (each vcpu's {@link HvmCpuRecord} and each device's
 * state), HVM_PARAMS (Xen's layout), oxen's HVM_PLATFORM (guest time, the serial setting,
 * shared_info's gfn, the grant table's frames with their gfns and contents, the event-channel
 * bindings, each vcpu's VCPUOP timers: a record written before they were carried ends after the
 * bindings and restores none) and SHARED_INFO. {@link Saved} is what the restorer decoded, checked field by
 * field; it is applied to the new domain after END.
 */
public final class HvmRecords {

    private HvmRecords() {
    }

    /** HVM_PLATFORM: a grant frame of the table, where the guest mapped it (-1: not in its physmap). */
    record GrantFrame(long gfn, byte[] data) {
    }

    /** What the restorer read. */
    static final class Saved {
        final List<HvmCpuRecord> cpus = new ArrayList<>();
        final List<Integer> cpuIds = new ArrayList<>();
        final List<HvmPlatform.SavedDevice> devices = new ArrayList<>();
        long[][] params;
        long guestTime = -1;
        long sharedInfoGfn = -1;
        final List<GrantFrame> grantFrames = new ArrayList<>();
        final List<int[]> bindings = new ArrayList<>();
        /** Per vcpu: the single-shot timer's remaining ns (-1: stopped) and the periodic period; null from an old record. */
        long[][] vcpuTimers;
        boolean context, platform;
    }

    // ---- save ----

    static void write(StreamWriter w, DomainImpl d, HvmVcpuArch arch, Ram ram) throws IOException {
        HvmPlatform p = arch.platform();
        // the domain's time stands still while it is captured: the saved time, the devices'
        // deadlines and every vcpu's TSC are one instant
        boolean ran = p.holdTimeForSave();
        try {
            writeHeld(w, d, arch, ram, p.guestTime());
        } finally {
            p.releaseTimeAfterSave(ran);
        }
    }

    private static void writeHeld(StreamWriter w, DomainImpl d, HvmVcpuArch arch, Ram ram, long guestTime)
            throws IOException {
        HvmPlatform p = arch.platform();
        ByteBuffer b = w.body();
        List<HvmPlatform.SavedDevice> devices = p.saveDevices();
        b.putInt(d.vcpuCount() + devices.size()).putInt(0);
        for (int i = 0; i < d.vcpuCount(); i++) {
            byte[] cpu = arch.saveVcpu(d.vcpu(i)).bytes();
            b.putShort((short) HVM_CODE_CPU).putShort((short) i).putInt(cpu.length).put(cpu);
        }
        for (int i = 0; i < devices.size(); i++) {
            HvmPlatform.SavedDevice s = devices.get(i);
            byte[] id = s.id().getBytes(StandardCharsets.UTF_8), type = s.type().getBytes(StandardCharsets.UTF_8);
            byte[] data = s.state().data();
            b.putShort((short) HVM_CODE_DEVICE).putShort((short) i).putInt(4 + 2 + id.length + 2 + type.length + data.length)
                    .putInt(s.state().version()).putShort((short) id.length).put(id).putShort((short) type.length).put(type)
                    .put(data);
        }
        w.finish(REC_HVM_CONTEXT);

        b = w.body();
        int n = 0;
        for (int i = 0; i < Hvm.HVM_NR_PARAMS; i++) if (p.params().get(i) != 0) n++;
        b.putInt(n).putInt(0);
        for (int i = 0; i < Hvm.HVM_NR_PARAMS; i++) {
            long v = p.params().get(i);
            if (v != 0) b.putLong(i).putLong(v);
        }
        w.finish(REC_HVM_PARAMS);

        b = w.body();
        b.putLong(guestTime);
        b.putLong(gfnOf(d, d.sharedInfoMfn()));
        GrantTable gt = d.grants();
        int frames = gt == null ? 0 : gt.nrFrames();
        b.putInt(frames);
        byte[] page = new byte[4096];
        for (int i = 0; i < frames; i++) {
            int mfn = gt.frame(i);
            b.putLong(gfnOf(d, mfn));
            long a = (long) mfn << 12;
            for (int k = 0; k < 4096; k += 8) b.putLong(ram.read64(a + k));
        }
        List<int[]> bindings = d.events().savedBindings();
        b.putInt(bindings.size());
        for (int[] e : bindings) b.putInt(e[0]).putInt(e[1]).putInt(e[2]).putInt(e[3]);
        b.putInt(d.vcpuCount());
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuTimers t = d.vcpu(i).timers();
            b.putLong(t.singleshotRemaining()).putLong(t.period());
        }
        w.finish(REC_HVM_PLATFORM);

        long si = (long) d.sharedInfoMfn() << 12;
        b = w.body();
        for (int i = 0; i < 4096; i += 8) b.putLong(ram.read64(si + i));
        w.finish(REC_SHARED_INFO);
    }

    /** Where frame {@code mfn} is in the domain's physmap, or -1 (the M2P, checked against the P2M). */
    static long gfnOf(DomainImpl d, int mfn) {
        if (mfn < 0) return -1;
        int gfn = d.pool().m2pGet(mfn);
        return gfn >= 0 && d.memory().p2m(gfn) == mfn ? gfn : -1;
    }

    /** X86_HVM_INFO: what the new domain's PC is built with. */
    public record Info(int ramPages, String serial) {
    }

    static void writeInfo(StreamWriter w, DomainImpl d, HvmVcpuArch arch) throws IOException {
        byte[] serial = arch.platform().serial().getBytes(StandardCharsets.UTF_8);
        w.body().putInt(d.memory().nrPages()).putShort((short) serial.length).put(serial);
        w.finish(REC_X86_HVM_INFO);
    }

    /** Reads X86_HVM_INFO, which follows DOMAIN_CONFIG in an HVM stream. */
    public static Info readInfo(StreamReader r, SavedConfig cfg) throws IOException {
        int t = r.next();
        if (t != REC_X86_HVM_INFO) throw new StreamFormatException(r.where() + ": an HVM stream's second record must be X86_HVM_INFO");
        ByteBuffer b = r.body();
        r.need(6, "the RAM size and serial");
        int pages = b.getInt();
        int n = b.getShort() & 0xFFFF;
        r.need(n, "the serial setting");
        byte[] u = new byte[n];
        b.get(u);
        String serial = new String(u, StandardCharsets.UTF_8);
        if (pages <= 0 || pages > cfg.pfns()) {
            throw new StreamFormatException(r.where() + ": " + pages + " RAM pages (want 1.." + cfg.pfns() + ")");
        }
        if (!serial.equals("pty") && !serial.equals("none")) {
            throw new StreamFormatException(r.where() + ": serial '" + serial + "' (want pty or none)");
        }
        return new Info(pages, serial);
    }

    // ---- restore: decoding (every field checked) ----

    static void readContext(StreamReader r, Saved s, int vcpus) throws StreamFormatException {
        ByteBuffer b = r.body();
        r.need(8, "the entry count");
        int n = b.getInt();
        b.getInt();
        if (n < 0 || n > 256) throw new StreamFormatException(r.where() + ": " + n + " entries");
        for (int i = 0; i < n; i++) {
            r.need(8, "entry " + i + "'s descriptor");
            int code = b.getShort() & 0xFFFF, instance = b.getShort() & 0xFFFF, len = b.getInt();
            if (len < 0 || len > MAX_DEVICE_STATE) {
                throw new StreamFormatException(r.where() + ": entry " + i + " is " + len + " bytes long");
            }
            r.need(len, "entry " + i + "'s " + len + " bytes");
            ByteBuffer e = b.slice(b.position(), len).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.position(b.position() + len);
            if (code == HVM_CODE_CPU) {
                if (instance >= vcpus) {
                    throw new StreamFormatException(r.where() + ": the CPU record of vcpu " + instance + " in a domain of "
                            + vcpus);
                }
                if (len != HvmCpuRecord.SIZE) {
                    throw new StreamFormatException(r.where() + ": vcpu " + instance + "'s CPU record is " + len
                            + " bytes (want " + HvmCpuRecord.SIZE + ")");
                }
                if (s.cpuIds.contains(instance)) throw new StreamFormatException(r.where() + ": vcpu " + instance + " twice");
                byte[] cpu = new byte[len];
                e.get(cpu);
                s.cpus.add(new HvmCpuRecord(cpu));
                s.cpuIds.add(instance);
            } else if (code == HVM_CODE_DEVICE) {
                String where = r.where() + ": device entry " + instance;
                if (len < 8) throw new StreamFormatException(where + " is " + len + " bytes long");
                int version = e.getInt();
                String id = string(e, where + "'s id");
                String type = string(e, where + "'s type");
                byte[] data = new byte[e.remaining()];
                e.get(data);
                if (version < 0) throw new StreamFormatException(where + " (" + id + "): version " + version);
                s.devices.add(new HvmPlatform.SavedDevice(id, type, new DeviceState(version, data)));
            } else {
                throw new StreamFormatException(String.format("%s: entry %d has type code 0x%x, not one oxen restores",
                        r.where(), i, code));
            }
        }
        s.context = true;
    }

    private static String string(ByteBuffer e, String what) throws StreamFormatException {
        if (e.remaining() < 2) throw new StreamFormatException(what + ": the entry ends before its length");
        int n = e.getShort() & 0xFFFF;
        if (n > 64 || e.remaining() < n) throw new StreamFormatException(what + ": " + n + " bytes");
        byte[] u = new byte[n];
        e.get(u);
        return new String(u, StandardCharsets.UTF_8);
    }

    static void readParams(StreamReader r, Saved s) throws StreamFormatException {
        ByteBuffer b = r.body();
        r.need(8, "the parameter count");
        int n = b.getInt();
        b.getInt();
        if (n < 0 || n > Hvm.HVM_NR_PARAMS) throw new StreamFormatException(r.where() + ": " + n + " parameters");
        r.need(16 * n, n + " parameters");
        s.params = new long[n][];
        for (int i = 0; i < n; i++) {
            long index = b.getLong(), value = b.getLong();
            if (index < 0 || index >= Hvm.HVM_NR_PARAMS) {
                throw new StreamFormatException(r.where() + ": parameter " + index + " (oxen has 0.." + (Hvm.HVM_NR_PARAMS - 1) + ")");
            }
            s.params[i] = new long[] {index, value};
        }
    }

    static void readPlatform(StreamReader r, Saved s, int vcpus) throws StreamFormatException {
        ByteBuffer b = r.body();
        r.need(8, "the guest time");
        s.guestTime = b.getLong();
        if (s.guestTime < 0) throw new StreamFormatException(r.where() + ": guest time " + s.guestTime);
        r.need(12, "shared_info's gfn and the grant frames");
        s.sharedInfoGfn = b.getLong();
        int frames = b.getInt();
        if (frames < 0 || frames > GrantTable.MAX_FRAMES) {
            throw new StreamFormatException(r.where() + ": " + frames + " grant frames (at most " + GrantTable.MAX_FRAMES + ")");
        }
        for (int i = 0; i < frames; i++) {
            r.need(8 + 4096, "grant frame " + i);
            long gfn = b.getLong();
            byte[] data = new byte[4096];
            b.get(data);
            s.grantFrames.add(new GrantFrame(gfn, data));
        }
        r.need(4, "the event-channel count");
        int nb = b.getInt();
        if (nb < 0 || nb > 4096) throw new StreamFormatException(r.where() + ": " + nb + " event channels");
        r.need(16 * nb, nb + " event channels");
        for (int i = 0; i < nb; i++) s.bindings.add(new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt()});
        if (b.hasRemaining()) readVcpuTimers(r, s, vcpus); // a record of before the timers ends here
        s.platform = true;
    }

    /** HVM_PLATFORM's VCPUOP timers: a count (the domain's vcpus), then per vcpu the single-shot's remaining ns and the period. */
    private static void readVcpuTimers(StreamReader r, Saved s, int vcpus) throws StreamFormatException {
        ByteBuffer b = r.body();
        r.need(4, "the vcpu timers' count");
        int n = b.getInt();
        if (n != vcpus) throw new StreamFormatException(r.where() + ": timers of " + n + " vcpus in a domain of " + vcpus);
        r.need(16 * n, n + " vcpus' timers");
        s.vcpuTimers = new long[n][];
        for (int i = 0; i < n; i++) {
            long remaining = b.getLong(), period = b.getLong();
            if (remaining < -1) {
                throw new StreamFormatException(r.where() + ": vcpu " + i + "'s single-shot timer has " + remaining + " ns to run");
            }
            VcpuRecords.checkPeriod(period, r.where(), i);
            s.vcpuTimers[i] = new long[] {remaining, period};
        }
        if (b.hasRemaining()) throw new StreamFormatException(r.where() + ": " + b.remaining() + " bytes after the vcpu timers");
    }
}
