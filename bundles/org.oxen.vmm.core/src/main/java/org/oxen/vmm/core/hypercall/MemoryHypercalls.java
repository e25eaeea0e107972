package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.FramePool;

/**
 * memory_op: the queries a PV kernel makes at boot, and the reservation changes of ballooning
 * ({@link ReservationHypercalls}), XENMEM_exchange ({@link MemoryExchange}). XENMEM_add_to_physmap
 * is for translated (HVM) domains ({@link HvmHypercalls}): a PV domain gets Xen's -EACCES (its
 * grant frames come from GNTTABOP_setup_table).
 */
final class MemoryHypercalls {

    private final Services s;
    private final ReservationHypercalls reservation;
    private final MemoryExchange exchange;
    private HvmHypercalls hvm;

    MemoryHypercalls(Services s) {
        this.s = s;
        this.reservation = new ReservationHypercalls(s);
        this.exchange = new MemoryExchange(s);
    }

    /** add_to_physmap's handler (set once by the dispatcher). */
    void setHvm(HvmHypercalls hvm) {
        this.hvm = hvm;
    }

    long memoryOp(VcpuImpl v, int cmdArg, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        int cmd = cmdArg & Memory.MEMOP_CMD_MASK;
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        FramePool pool = s.pool();
        switch (cmd) {
            case Memory.XENMEM_INCREASE_RESERVATION:
            case Memory.XENMEM_DECREASE_RESERVATION:
            case Memory.XENMEM_POPULATE_PHYSMAP:
                return reservation.reservationOp(v, cmdArg, arg, a3, a4, mc);
            case Memory.XENMEM_EXCHANGE:
                return exchange.exchange(v, cmdArg, arg, a3, a4, mc);
            case Memory.XENMEM_MAXIMUM_RAM_PAGE:
                return pool.maxRamPage();
            case Memory.XENMEM_CURRENT_RESERVATION:
            case Memory.XENMEM_MAXIMUM_RESERVATION: {
                int domid = g.read16(cr3, arg);
                long[] err = new long[1];
                DomainImpl d = Args.self(s, v, domid, err);
                if (d == null) return err[0];
                return cmd == Memory.XENMEM_CURRENT_RESERVATION ? d.memoryPages() : d.maxMemoryKiB() / 4;
            }
            case Memory.XENMEM_MACHPHYS_MFN_LIST: {
                int max = g.read32(cr3, arg + Memory.MFN_LIST_MAX_EXTENTS);
                int list = g.read32(cr3, arg + Memory.MFN_LIST_EXTENT_START);
                int chunks = (pool.m2pFrameCount() + 511) / 512;
                int n = (int) Math.min(max & 0xFFFFFFFFL, chunks);
                for (int i = 0; i < n; i++) {
                    g.write32(cr3, list + i * 4, pool.m2pFirstFrame() + i * 512);
                }
                g.write32(cr3, arg + Memory.MFN_LIST_NR_EXTENTS, n);
                return 0;
            }
            case Memory.XENMEM_MEMORY_MAP: {
                int cap = g.read32(cr3, arg + Memory.MEMORY_MAP_NR_ENTRIES);
                int buf = g.read32(cr3, arg + Memory.MEMORY_MAP_BUFFER);
                int n = cap == 0 ? 0 : 1;
                if (n == 1) {
                    g.write64(cr3, buf, 0);
                    g.write64(cr3, buf + 8, (long) v.domain().memory().nrPages() * Xen.PAGE_SIZE);
                    g.write32(cr3, buf + 16, Memory.E820_RAM);
                }
                g.write32(cr3, arg + Memory.MEMORY_MAP_NR_ENTRIES, n);
                return 0;
            }
            case Memory.XENMEM_ADD_TO_PHYSMAP:
                return hvm.addToPhysmap(v, arg);
            case Memory.XENMEM_MAXIMUM_GPFN:
                return v.domain().memory().nrPages() - 1;
            default:
                return ENOSYS;
        }
    }
}
