package org.oxen.vmm.core.arch.hvm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.oxen.x86.cpu.CpuEvents;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;

/**
 * An HVM vcpu's architectural state as the stream carries it (Xen's HVM_SAVE_CODE(CPU),
 * hvm_hw_cpu, in oxen's layout: 32-bit registers, the segments with their hidden parts in
 * VMX access-rights form, the MSRs oxen's CPU has, the FXSAVE image, the event state and the
 * vcpu's own flags). Read through {@link X86Cpu}'s accessors only; decoding checks what a CPU
 * could not hold (reserved EFLAGS and CR bits, paging without protection, segment attributes
 * beyond the access-rights bits, a CPL beyond 3, an MTRR type that does not exist) and names
 * the vcpu and field of a refusal.
 *
 * <p>Layout (little-endian, {@link #SIZE} bytes): EAX..EDI, EIP, EFLAGS, CPL (11 × u32);
 * ES..GS, LDTR, TR as {selector, base, limit, attributes} (8 × 16); GDT and IDT {base, limit}
 * (4 × u32); CR0, CR2, CR3, CR4; DR0..DR3, DR6, DR7; {@link #MSRS}'s values (u64 each); the
 * 512-byte FXSAVE image; flags (u32: bit 0 halted, 1 interrupt shadow, 2 NMI blocked, 3 NMI
 * pending, 4 online, 5 initialised, 6 waiting for INIT-STARTUP, 7 an injected exception); the
 * injected vector and error code (2 × u32, -1 for none).
 */
public record HvmCpuRecord(byte[] bytes) {

    /** The MSRs carried, in this order: TSC, APIC base (the CPU's copy; the device's is the lapic record's), SYSENTER, PAT, MISC_ENABLE, DEBUGCTL, EFER, the MTRRs. */
    static final int[] MSRS = msrs();
    public static final int FLAG_HALTED = 1, FLAG_SHADOW = 2, FLAG_NMI_BLOCKED = 4, FLAG_NMI_PENDING = 8,
            FLAG_ONLINE = 16, FLAG_INITIALISED = 32, FLAG_WAIT_SIPI = 64, FLAG_INJECT_EXCEPTION = 128;
    /** Where the MSRs start, the TSC's value first. */
    public static final int TSC_AT = 11 * 4 + 8 * 16 + 4 * 4 + 4 * 4 + 6 * 4;
    public static final int SIZE = TSC_AT + MSRS.length * 8 + 512 + 3 * 4;
    private static final int EFER = 0xC0000080, TSC = 0x10;

    private static int[] msrs() {
        int[] fixed = {0x10, 0x1B, 0x174, 0x175, 0x176, 0x277, 0x1A0, 0x1D9, EFER, 0x2FF, 0x250, 0x258, 0x259, 0x268,
            0x269, 0x26A, 0x26B, 0x26C, 0x26D, 0x26E, 0x26F};
        int[] all = new int[fixed.length + 16];
        System.arraycopy(fixed, 0, all, 0, fixed.length);
        for (int i = 0; i < 16; i++) all[fixed.length + i] = 0x200 + i;
        return all;
    }

    /** The vcpu's state now (its CPU stopped between instructions). */
    public static HvmCpuRecord capture(X86Cpu cpu, int vcpuFlags) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) b.putInt(cpu.gpr(i));
        b.putInt(cpu.eip()).putInt(cpu.eflags()).putInt(cpu.cpl());
        for (int s = 0; s < 6; s++) put(b, cpu.segment(s));
        put(b, cpu.ldtr());
        put(b, cpu.tr());
        b.putInt(cpu.gdtBase()).putInt(cpu.gdtLimit()).putInt(cpu.idtBase()).putInt(cpu.idtLimit());
        b.putInt(cpu.cr(0)).putInt(cpu.cr(2)).putInt(cpu.cr(3)).putInt(cpu.cr(4));
        for (int d : new int[] {0, 1, 2, 3, 6, 7}) b.putInt(cpu.dr(d));
        for (int m : MSRS) b.putLong(cpu.msr(m));
        byte[] fx = new byte[512];
        cpu.saveFpu(fx);
        b.put(fx);
        CpuEvents e = cpu.events();
        int flags = vcpuFlags & (FLAG_ONLINE | FLAG_INITIALISED | FLAG_WAIT_SIPI) | (cpu.isHalted() ? FLAG_HALTED : 0)
                | (e.interruptShadow() ? FLAG_SHADOW : 0) | (e.nmiBlocked() ? FLAG_NMI_BLOCKED : 0)
                | (e.nmiPending() ? FLAG_NMI_PENDING : 0) | (e.injectException() ? FLAG_INJECT_EXCEPTION : 0);
        b.putInt(flags).putInt(e.injectVector()).putInt(e.injectError());
        return new HvmCpuRecord(b.array());
    }

    private static void put(ByteBuffer b, SegmentState s) {
        b.putInt(s.selector).putInt(s.base).putInt(s.limit).putInt(s.attributes);
    }

    /** The TSC's value the record carries. */
    public long tsc() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(TSC_AT);
    }

    /** The vcpu flags (online, initialised, waiting for STARTUP) of the record. */
    public int flags() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(SIZE - 12);
    }

    /**
     * Checks the record and sets {@code cpu} from it (the domain's memory loaded already: CR3's
     * PAE PDPTEs are read from it, as a VM entry does). A refusal throws
     * {@link IllegalArgumentException} naming {@code who} and the field.
     */
    public void apply(X86Cpu cpu, String who) {
        if (bytes.length != SIZE) throw new IllegalArgumentException(who + ": a CPU record of " + bytes.length
                + " bytes (want " + SIZE + ")");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] gpr = new int[8];
        for (int i = 0; i < 8; i++) gpr[i] = b.getInt();
        int eip = b.getInt(), eflags = b.getInt(), cpl = b.getInt();
        if ((eflags & 2) == 0 || (eflags & 0xFFC0_8028) != 0) bad(who, "eflags", String.format("0x%08x has reserved bits wrong", eflags));
        if (cpl < 0 || cpl > 3) bad(who, "cpl", cpl + " is not 0..3");
        SegmentState[] seg = new SegmentState[8];
        String[] names = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};
        for (int s = 0; s < 8; s++) {
            seg[s] = new SegmentState(b.getInt(), b.getInt(), b.getInt(), b.getInt());
            if ((seg[s].attributes & ~0x1F0FF) != 0) {
                bad(who, names[s] + ".attributes", String.format("0x%x has bits beyond the access rights", seg[s].attributes));
            }
        }
        int gdtBase = b.getInt(), gdtLimit = b.getInt(), idtBase = b.getInt(), idtLimit = b.getInt();
        if ((gdtLimit & ~0xFFFF) != 0 || (idtLimit & ~0xFFFF) != 0) bad(who, "gdt/idt limit", "beyond 16 bits");
        int cr0 = b.getInt(), cr2 = b.getInt(), cr3 = b.getInt(), cr4 = b.getInt();
        if (cr0 < 0 && (cr0 & 1) == 0) bad(who, "cr0", String.format("0x%08x: paging without protection", cr0));
        if ((cr4 & ~0x7FF) != 0) bad(who, "cr4", String.format("0x%08x has bits oxen's CPU does not have", cr4));
        int[] dr = new int[6];
        for (int i = 0; i < 6; i++) dr[i] = b.getInt();
        long[] msr = new long[MSRS.length];
        for (int i = 0; i < msr.length; i++) msr[i] = b.getLong();
        byte[] fx = new byte[512];
        b.get(fx);
        int flags = b.getInt(), injectVector = b.getInt(), injectError = b.getInt();
        if ((flags & ~0xFF) != 0) bad(who, "flags", String.format("0x%x has unknown bits", flags));
        if (injectVector < -1 || injectVector > 255) bad(who, "inject_vector", injectVector + " is not -1..255");

        cpu.setCr(0, cr0);
        cpu.setCr(4, cr4);
        for (int i = 0; i < MSRS.length; i++) {
            if (MSRS[i] == TSC) continue; // last: on the restored clock
            try {
                cpu.setMsr(MSRS[i], msr[i]);
            } catch (IllegalArgumentException | IllegalStateException e) {
                bad(who, String.format("msr 0x%x", MSRS[i]), String.format("0x%x is refused by the CPU (%s)", msr[i],
                        e.getMessage()));
            }
        }
        cpu.setCr(3, cr3);
        cpu.setCr(2, cr2);
        cpu.setGdt(gdtBase, gdtLimit);
        cpu.setIdt(idtBase, idtLimit);
        cpu.setLdtr(seg[6]);
        cpu.setTr(seg[7]);
        cpu.setEflags(eflags);
        for (int s = 0; s < 6; s++) cpu.setSegment(s, seg[s]);
        cpu.setCpl(cpl);
        for (int i = 0; i < 8; i++) cpu.setGpr(i, gpr[i]);
        cpu.setEip(eip);
        int[] drIndex = {0, 1, 2, 3, 6, 7};
        for (int i = 0; i < 6; i++) cpu.setDr(drIndex[i], dr[i]);
        cpu.restoreFpu(fx);
        for (int i = 0; i < MSRS.length; i++) {
            if (MSRS[i] == TSC) cpu.setMsr(TSC, msr[i]);
        }
        cpu.setHalted((flags & FLAG_HALTED) != 0);
        cpu.setEvents(new CpuEvents((flags & FLAG_SHADOW) != 0, (flags & FLAG_NMI_BLOCKED) != 0,
                (flags & FLAG_NMI_PENDING) != 0, injectVector, injectError, (flags & FLAG_INJECT_EXCEPTION) != 0));
    }

    private static void bad(String who, String field, String why) {
        throw new IllegalArgumentException(who + "'s CPU record: " + field + ": " + why);
    }
}
