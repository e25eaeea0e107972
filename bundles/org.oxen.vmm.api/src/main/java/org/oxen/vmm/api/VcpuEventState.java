package org.oxen.vmm.api;

import java.util.List;

/**
 * A PV vcpu's event state as the hypervisor reads it (1.16; {@link Vcpu#eventState()}), for a
 * diagnosis such as an upcall storm: the vcpu re-entering its event callback because the
 * hypervisor finds {@code evtchn_upcall_pending} set in the vcpu_info it delivers through.
 *
 * @param vcpuInfoAddress machine address of the vcpu_info the hypervisor uses
 * @param moved           whether VCPUOP_register_vcpu_info moved it out of its slot in shared_info
 * @param sharedInfoFrame the domain's shared_info frame (the pending and mask words are there)
 * @param mappedAt        the guest virtual addresses its current page tables map the vcpu_info's
 *                        frame at (each the page's address; empty if unmapped or not walked)
 * @param upcallPending   {@code evtchn_upcall_pending} read there
 * @param upcallMask      {@code evtchn_upcall_mask} read there
 * @param pendingSel      {@code evtchn_pending_sel} read there
 * @param pendingWords    shared_info's {@code evtchn_pending} words (32 of 32 ports)
 * @param maskWords       shared_info's {@code evtchn_mask} words
 * @param lastHypercalls  the vcpu's last hypercalls, oldest first (multicall entries too; empty
 *                        while the hypervisor's metrics are off)
 */
public record VcpuEventState(long vcpuInfoAddress, boolean moved, int sharedInfoFrame, List<Integer> mappedAt,
                             int upcallPending, int upcallMask, int pendingSel, List<Integer> pendingWords,
                             List<Integer> maskWords, List<RecentHypercall> lastHypercalls) {

    /** A hypercall as the dispatcher saw it: its number and first two arguments. */
    public record RecentHypercall(int nr, int a1, int a2) {
        @Override
        public String toString() {
            return nr + "(" + Integer.toHexString(a1) + "," + Integer.toHexString(a2) + ")";
        }
    }

    public VcpuEventState {
        mappedAt = List.copyOf(mappedAt);
        pendingWords = List.copyOf(pendingWords);
        maskWords = List.copyOf(maskWords);
        lastHypercalls = List.copyOf(lastHypercalls);
    }

    /** The frame holding the vcpu_info. */
    public long vcpuInfoFrame() {
        return vcpuInfoAddress >>> 12;
    }

    /** Its offset in that frame. */
    public int vcpuInfoOffset() {
        return (int) (vcpuInfoAddress & 0xFFF);
    }

    /**
     * One line: where vcpu_info is and what it holds, the pending words that are not 0 and the
     * mask words that are not all ones (ports masked is the usual state), the last hypercalls.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("vcpu_info at frame %#x offset %#x (%s, shared_info is frame %#x), mapped at ", vcpuInfoFrame(),
                vcpuInfoOffset(), moved ? "moved by VCPUOP_register_vcpu_info" : "its slot in shared_info", sharedInfoFrame));
        if (mappedAt.isEmpty()) b.append("no VA");
        for (int i = 0; i < mappedAt.size(); i++) b.append(i == 0 ? "" : ",").append(String.format("%#x", mappedAt.get(i)));
        b.append(String.format("; evtchn_upcall_pending %d, evtchn_upcall_mask %d, evtchn_pending_sel %#x", upcallPending,
                upcallMask, pendingSel));
        b.append("; pending words ").append(words(pendingWords, 0)).append(", mask words not all set ")
                .append(words(maskWords, -1));
        b.append("; last hypercalls ").append(lastHypercalls.isEmpty() ? "(not counted)" : lastHypercalls.toString());
        return b.toString();
    }

    /** The words other than {@code usual} as {@code {index:0xword, ...}}. */
    private static String words(List<Integer> words, int usual) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i) == usual) continue;
            if (b.length() > 1) b.append(", ");
            b.append(i).append(':').append(String.format("%#x", words.get(i)));
        }
        return b.append('}').toString();
    }
}
