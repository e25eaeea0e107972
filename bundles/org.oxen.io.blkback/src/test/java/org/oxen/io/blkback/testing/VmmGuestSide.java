package org.oxen.io.blkback.testing;

import static org.oxen.vmm.abi.GrantTable.ENTRY_DOMID;
import static org.oxen.vmm.abi.GrantTable.ENTRY_FRAME;
import static org.oxen.vmm.abi.GrantTable.ENTRY_V1_SIZE;
import static org.oxen.vmm.abi.GrantTable.GTF_PERMIT_ACCESS;
import static org.oxen.vmm.abi.GrantTable.GTF_READING;
import static org.oxen.vmm.abi.GrantTable.GTF_READONLY;
import static org.oxen.vmm.abi.GrantTable.GTF_WRITING;

import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.MappedFrame;
import org.oxen.x86.api.Ram;

/**
 * {@link GuestSide} for a real domain of a {@link Vmm}, done as the guest's own code would do it
 * in its memory: pages are frames allocated to the domain (increase_reservation without a
 * pseudo-physical slot: the guest kernel never sees them, so it and the Java frontend cannot
 * disturb each other); grant entries are written in the domain's grant-table frames with the
 * granter's protocol (domid, frame, then the flags after a fence; end of access by
 * compare-and-set, refused while GTF_reading/GTF_writing is set); ports are the domain's own,
 * masked in its shared_info so the guest kernel is never upcalled for them, and waited for on
 * their pending bit. One per domain, shared by all the Java frontends in it ({@link
 * BlkRig#guestSide}): the grant references it hands out are the domain's, so two instances for
 * one domain would hand out the same references and overwrite each other's entries.
 *
 * <p>Locking: grant references are handed out under the object's monitor; the rest is
 * thread-safe as the VMM's own operations are.
 */
public final class VmmGuestSide implements GuestSide {

    /** Entries 0..7 are reserved (console, xenstore): Mini-OS starts at 8. */
    private static final int FIRST_REF = 8;

    private final Vmm vmm;
    private final DomainImpl domain;
    private final Ram ram;
    private final ArrayDeque<Integer> freeRefs = new ArrayDeque<>();
    private int[] tableFrames;
    private int nextRef = FIRST_REF;

    public VmmGuestSide(Vmm vmm, int domid) {
        this.vmm = vmm;
        this.domain = java.util.Objects.requireNonNull(vmm.domain(domid), "no domain " + domid);
        this.ram = vmm.pool().ram();
        this.tableFrames = vmm.grants().tableFrames(domid, 1);
    }

    @Override
    public int domid() {
        return domain.id();
    }

    @Override
    public Page allocPage() {
        FramePool pool = vmm.pool();
        int mfn;
        synchronized (pool) {
            mfn = pool.alloc(domain.id());
            if (mfn < 0) throw new IllegalStateException("no free frame for d" + domain.id());
            domain.memory().adjustTotPages(1);
        }
        return new Page(mfn, new MappedFrame(pool, mfn, true));
    }

    @Override
    public synchronized int grantAccess(int mfn, int remoteDomid, boolean readOnly) {
        int ref;
        if (!freeRefs.isEmpty()) {
            ref = freeRefs.pop();
        } else {
            ref = nextRef++;
            int frames = ref / (4096 / ENTRY_V1_SIZE) + 1;
            if (frames > tableFrames.length) {
                tableFrames = vmm.grants().tableFrames(domain.id(), frames);
                if (tableFrames == null || frames > tableFrames.length) throw new IllegalStateException("grant table full");
            }
        }
        long e = entry(ref);
        ram.write16(e + ENTRY_DOMID, remoteDomid);
        ram.write32(e + ENTRY_FRAME, mfn);
        VarHandle.fullFence(); // wmb before the flags make the entry valid
        ram.write16(e, GTF_PERMIT_ACCESS | (readOnly ? GTF_READONLY : 0));
        return ref;
    }

    @Override
    public synchronized boolean endAccess(int ref) {
        long e = entry(ref);
        for (;;) {
            int combo = ram.readVolatile32(e);
            if ((combo & (GTF_READING | GTF_WRITING)) != 0) return false;
            if (ram.compareAndSet32(e, combo, combo & 0xFFFF0000)) {
                freeRefs.push(ref);
                return true;
            }
        }
    }

    private long entry(int ref) {
        int perFrame = 4096 / ENTRY_V1_SIZE;
        return ((long) tableFrames[ref / perFrame] << 12) + (long) (ref % perFrame) * ENTRY_V1_SIZE;
    }

    @Override
    public int allocUnbound(int remoteDomid) {
        int port = domain.events().allocUnbound(remoteDomid, null);
        if (port < 0) throw new IllegalStateException("alloc_unbound in d" + domain.id() + ": " + port);
        ram.testAndSetBit32(sharedInfo() + SharedInfo.EVTCHN_MASK + (port / 32) * 4L, port % 32);
        return port;
    }

    @Override
    public void notify(int port) {
        int rc = domain.events().send(port);
        if (rc != 0) throw new IllegalStateException("send on d" + domain.id() + " port " + port + ": " + rc);
    }

    @Override
    public boolean awaitEvent(int port, long nanos) throws InterruptedException {
        long word = sharedInfo() + SharedInfo.EVTCHN_PENDING + (port / 32) * 4L;
        long end = System.nanoTime() + nanos;
        long park = 10_000;
        while (!ram.testAndClearBit32(word, port % 32)) {
            if (System.nanoTime() - end > 0) return false;
            if (Thread.interrupted()) throw new InterruptedException();
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, TimeUnit.MICROSECONDS.toNanos(500));
        }
        return true;
    }

    @Override
    public void closePort(int port) {
        domain.events().close(port);
    }

    private long sharedInfo() {
        return (long) domain.sharedInfoMfn() << 12;
    }
}
