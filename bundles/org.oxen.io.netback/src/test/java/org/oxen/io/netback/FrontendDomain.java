package org.oxen.io.netback;

import static org.oxen.vmm.abi.GrantTable.GTF_PERMIT_ACCESS;
import static org.oxen.vmm.abi.GrantTable.GTF_READING;
import static org.oxen.vmm.abi.GrantTable.GTF_READONLY;
import static org.oxen.vmm.abi.GrantTable.GTF_WRITING;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.x86.api.Ram;

/**
 * A Java frontend's view of the real domain it plays: the domain's own frames (taken from the
 * top of its memory, which the kit's {@code grants mode=ring} program, blocked for good, never
 * touches), grant entries written into the domain's own grant table as the guest's gnttab code
 * writes them (domid, frame, then the flags word), and event channels allocated by the domain
 * (EVTCHNOP_alloc_unbound for Domain-0), masked, whose pending bits the frontend polls in the
 * domain's shared_info. Thread-safe where it says so.
 */
final class FrontendDomain {

    final DomainImpl domain;
    final Ram ram;
    private int nextPfn;
    private int nextRef = 16; // 0..7 reserved, the guest uses 8
    private final java.util.ArrayDeque<Integer> freeRefs = new java.util.ArrayDeque<>();

    FrontendDomain(DomainImpl domain, Ram ram) {
        this.domain = domain;
        this.ram = ram;
        this.nextPfn = (int) domain.memoryPages() - 1;
    }

    int id() {
        return domain.id();
    }

    /** One of the domain's own frames (its MFN), from the top of its memory down. */
    synchronized int frame() {
        return domain.memory().p2m(nextPfn--);
    }

    private long entry(int ref) {
        return ((long) domain.grants().frame(ref / 512) << 12) + (ref % 512) * 8L;
    }

    /** gnttab_grant_foreign_access: a new ref granting {@code mfn} to {@code peer}. */
    synchronized int grant(int peer, int mfn, boolean readOnly) {
        Integer free = freeRefs.poll();
        int ref = free != null ? free : nextRef++;
        if (ref >= domain.grants().nrFrames() * 512) throw new IllegalStateException("grant table full");
        grant(ref, peer, mfn, readOnly);
        return ref;
    }

    /** Writes entry {@code ref} (any ref: hostile tests write what they like). */
    void grant(int ref, int peer, int mfn, boolean readOnly) {
        long a = entry(ref);
        ram.write32(a + 4, mfn);
        int flags = GTF_PERMIT_ACCESS | (readOnly ? GTF_READONLY : 0);
        for (;;) {
            int cur = ram.readVolatile32(a);
            if (ram.compareAndSet32(a, cur, (peer << 16) | flags)) return;
        }
    }

    /**
     * gnttab_end_foreign_access_ref: false while the peer still has it mapped or is copying (the
     * ref is then leaked, as Mini-OS leaks it); otherwise the ref is free for the next grant.
     */
    synchronized boolean endGrant(int ref) {
        long a = entry(ref);
        for (;;) {
            int cur = ram.readVolatile32(a);
            if ((cur & (GTF_READING | GTF_WRITING)) != 0) return false;
            if (ram.compareAndSet32(a, cur, 0)) {
                freeRefs.add(ref);
                return true;
            }
        }
    }

    /** EVTCHNOP_alloc_unbound(remote 0), masked: the frontend polls it. */
    int allocUnbound() {
        int port = domain.events().allocUnbound(0, null);
        if (port < 0) throw new IllegalStateException("alloc_unbound: " + port);
        ram.testAndSetBit32(word(SharedInfo.EVTCHN_MASK, port), port % 32);
        return port;
    }

    private long word(int array, int port) {
        return ((long) domain.sharedInfoMfn() << 12) + array + (port / 32) * 4L;
    }

    /** Takes the port's pending bit. */
    boolean takePending(int port) {
        return ram.testAndClearBit32(word(SharedInfo.EVTCHN_PENDING, port), port % 32);
    }

    void send(int port) {
        domain.events().send(port);
    }

    void close(int port) {
        domain.events().close(port);
    }
}
