package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.abi.GrantTable.*;
import static org.oxen.vmm.core.hypercall.Args.EFAULT;
import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.grant.GrantTableOps;
import org.oxen.vmm.core.grant.GuestGrants;
import org.oxen.vmm.core.guest.GuestMemory;

/**
 * grant_table_op (do_grant_table_op through compat_grant_table_op for a 32-bit guest): decodes
 * each element, calls {@link GuestGrants} / {@link GrantTableOps}, writes the OUT fields back.
 * As in Xen: a negative count or opaque bits in a command other than cache_flush -EINVAL; the
 * array of a batched command must lie below the hole (-EFAULT); batched commands check for
 * preemption before every element but the first and continue themselves with the rest;
 * setup_table, query_size, get_status_frames take exactly one element (-EINVAL); dump_table and
 * unknown commands -ENOSYS (current Xen has no dump_table case).
 */
final class GrantHypercalls {

    /** GNTTABOP_CMD_MASK: the command's bits; above them cache_flush's continuation argument. */
    static final int CMD_MASK = 0xFFF;

    private final Services s;
    private final GuestGrants guest;
    private final GrantTableOps ops;
    private final MmuHypercalls mmu;
    /** Each batched command's element, made once (a method reference of this object allocates where it is evaluated). */
    private final Element mapElement = this::map, unmapElement = (v, p) -> unmap(v, p, false),
            unmapReplaceElement = (v, p) -> unmap(v, p, true), copyElement = this::copy, transferElement = this::transfer,
            swapElement = this::swap, cacheFlushElement = this::cacheFlush;

    GrantHypercalls(Services s, GuestGrants guest, MmuHypercalls mmu) {
        this.s = s;
        this.guest = guest;
        this.ops = new GrantTableOps(guest.grants());
        this.mmu = mmu;
    }

    long grantTableOp(VcpuImpl v, int cmdArg, int uop, int count, int a4, int a5, int a6, boolean mc) {
        if (count < 0) return EINVAL;
        int cmd = cmdArg & CMD_MASK;
        if (cmd != OP_CACHE_FLUSH && (cmdArg & ~CMD_MASK) != 0) return EINVAL;
        Args.enter(v, mc);
        switch (cmd) {
            case OP_MAP_GRANT_REF:
                return batch(v, mc, cmdArg, uop, count, MAP_SIZE, mapElement);
            case OP_UNMAP_GRANT_REF:
                return batch(v, mc, cmdArg, uop, count, UNMAP_SIZE, unmapElement);
            case OP_UNMAP_AND_REPLACE:
                return batch(v, mc, cmdArg, uop, count, UNMAP_REPLACE_SIZE, unmapReplaceElement);
            case OP_COPY:
                return batch(v, mc, cmdArg, uop, count, COPY_SIZE, copyElement);
            case OP_TRANSFER:
                return batch(v, mc, cmdArg, uop, count, TRANSFER_SIZE, transferElement);
            case OP_SWAP_GRANT_REF:
                return batch(v, mc, cmdArg, uop, count, SWAP_SIZE, swapElement);
            case OP_SETUP_TABLE:
                return count != 1 ? EINVAL : setupTable(v, uop);
            case OP_QUERY_SIZE:
                return count != 1 ? EINVAL : querySize(v, uop);
            case OP_SET_VERSION:
                return setVersion(v, uop);
            case OP_GET_VERSION:
                return getVersion(v, uop);
            case OP_GET_STATUS_FRAMES:
                return count != 1 ? EINVAL : getStatusFrames(v, uop);
            case OP_CACHE_FLUSH:
                return batch(v, mc, cmdArg, uop, count, CACHE_FLUSH_SIZE, cacheFlushElement);
            default:
                return ENOSYS; // dump_table included
        }
    }

    @FunctionalInterface
    private interface Element {
        /** One element at guest address {@code p}: 0 when done (its status written), or -errno to stop. */
        long apply(VcpuImpl v, int p);
    }

    private long batch(VcpuImpl v, boolean mc, int cmd, int uop, int count, int size, Element e) {
        if (!Args.arrayOk(uop, count, size)) return EFAULT;
        for (int i = 0; i < count; i++) {
            if (i > 0 && Args.preempt(v)) {
                return Args.continuation(v, mc, Hypercall.GRANT_TABLE_OP, 3, cmd, uop + i * size, count - i, 0);
            }
            long rc = e.apply(v, uop + i * size);
            if (rc != 0) return rc;
        }
        return 0;
    }

    private long map(VcpuImpl v, int p) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        long hostAddr = g.read64(cr3, p + MAP_HOST_ADDR);
        int flags = g.read32(cr3, p + MAP_FLAGS);
        int ref = g.read32(cr3, p + MAP_REF);
        int dom = g.read16(cr3, p + MAP_DOM);
        long[] out = new long[3];
        int st = guest.map(v.domain(), cr3, hostAddr, flags, ref, dom, out);
        if (out[2] != 0) mmu.flush(v);
        // copy the whole element back as Xen does (handle and dev_bus_addr as the op left them)
        g.write16(cr3, p + MAP_STATUS, st);
        if (st == GNTST_OKAY) {
            g.write32(cr3, p + MAP_HANDLE, (int) out[0]);
            g.write64(cr3, p + MAP_DEV_BUS_ADDR, out[1]);
        }
        return 0;
    }

    private long unmap(VcpuImpl v, int p, boolean replace) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        long hostAddr = g.read64(cr3, p); // UNMAP_HOST_ADDR == UNMAP_REPLACE_HOST_ADDR
        long second = g.read64(cr3, p + 8); // dev_bus_addr, or new_addr
        int handle = g.read32(cr3, p + UNMAP_HANDLE);
        int st = replace ? guest.unmap(v.domain(), cr3, hostAddr, 0, handle, second, () -> mmu.flush(v))
                : guest.unmap(v.domain(), cr3, hostAddr, second, handle, 0, () -> mmu.flush(v));
        g.write16(cr3, p + UNMAP_STATUS, st);
        return 0;
    }

    private long copy(VcpuImpl v, int p) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int st = guest.copy(v.domain(),
                g.read32(cr3, p + COPY_SOURCE), g.read16(cr3, p + COPY_SOURCE + COPY_PTR_DOMID),
                g.read16(cr3, p + COPY_SOURCE + COPY_PTR_OFFSET),
                g.read32(cr3, p + COPY_DEST), g.read16(cr3, p + COPY_DEST + COPY_PTR_DOMID),
                g.read16(cr3, p + COPY_DEST + COPY_PTR_OFFSET),
                g.read16(cr3, p + COPY_LEN), g.read16(cr3, p + COPY_FLAGS));
        g.write16(cr3, p + COPY_STATUS, st);
        return 0;
    }

    private long transfer(VcpuImpl v, int p) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int st = ops.transfer(v.domain(), g.read32(cr3, p + TRANSFER_MFN) & 0xFFFFFFFFL,
                g.read16(cr3, p + TRANSFER_DOMID), g.read32(cr3, p + TRANSFER_REF));
        if (st == GNTST_OKAY || st == GNTST_BAD_DOMAIN || st == GNTST_GENERAL_ERROR) mmu.flush(v);
        g.write16(cr3, p + TRANSFER_STATUS, st);
        return 0;
    }

    private long swap(VcpuImpl v, int p) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int st = ops.swap(v.domain(), g.read32(cr3, p + SWAP_REF_A), g.read32(cr3, p + SWAP_REF_B));
        g.write16(cr3, p + SWAP_STATUS, st);
        return 0;
    }

    private long cacheFlush(VcpuImpl v, int p) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        long rc = ops.cacheFlush(v.domain(), g.read64(cr3, p + CACHE_FLUSH_A), g.read16(cr3, p + CACHE_FLUSH_OFFSET),
                g.read16(cr3, p + CACHE_FLUSH_LENGTH), g.read32(cr3, p + CACHE_FLUSH_OP));
        return rc; // 0, or -errno ending the batch, as Xen's gnttab_cache_flush
    }

    private long setupTable(VcpuImpl v, int uop) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int dom = g.read16(cr3, uop + SETUP_DOM);
        int nr = g.read32(cr3, uop + SETUP_NR_FRAMES);
        int list = g.read32(cr3, uop + SETUP_FRAME_LIST);
        if (!Args.arrayOk(list, nr & 0xFFFFFFFFL, 4)) return EFAULT; // compat_handle_okay
        int[] frames = new int[1];
        int st = ops.setupTable(v.domain(), dom, nr, frames);
        if (st == GNTST_OKAY) {
            int[] f = ops.frames(v.domain(), nr);
            for (int i = 0; i < f.length; i++) {
                try {
                    g.write32(cr3, list + i * 4, f[i]);
                } catch (org.oxen.vmm.core.guest.GuestFault e) {
                    break; // the compat layer ignores a fault writing the list
                }
            }
        }
        g.write16(cr3, uop + SETUP_STATUS, st);
        return 0;
    }

    private long querySize(VcpuImpl v, int uop) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int[] out = new int[2];
        int st = ops.querySize(v.domain(), g.read16(cr3, uop + QUERY_SIZE_DOM), out);
        if (st == GNTST_OKAY) { // else the op goes back as it came, with the status
            g.write32(cr3, uop + QUERY_SIZE_NR_FRAMES, out[0]);
            g.write32(cr3, uop + QUERY_SIZE_MAX_NR_FRAMES, out[1]);
        }
        g.write16(cr3, uop + QUERY_SIZE_STATUS, st);
        return 0;
    }

    private long setVersion(VcpuImpl v, int uop) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int version = g.read32(cr3, uop);
        long rc = ops.setVersion(version);
        g.write32(cr3, uop, 1); // op.version = gt->gt_version, whatever happened
        return rc;
    }

    private long getVersion(VcpuImpl v, int uop) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int dom = g.read16(cr3, uop + GET_VERSION_DOM);
        int[] st = new int[1];
        DomainImpl d = v.domain();
        if (ops.target(d, dom, st) == null) return st[0] == GNTST_BAD_DOMAIN ? -Errno.ESRCH : -Errno.EPERM;
        g.write32(cr3, uop + GET_VERSION_VERSION, 1);
        return 0;
    }

    private long getStatusFrames(VcpuImpl v, int uop) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int nr = g.read32(cr3, uop + STATUS_FRAMES_NR_FRAMES);
        int dom = g.read16(cr3, uop + STATUS_FRAMES_DOM);
        int list = g.read32(cr3, uop + STATUS_FRAMES_FRAME_LIST);
        if (!Args.arrayOk(list, nr & 0xFFFFFFFFL, 8)) return EFAULT;
        int[] st = new int[1];
        // a v1 table has no status frames: any frame asked for is GNTST_general_error
        int status = ops.target(v.domain(), dom, st) == null ? st[0] : nr != 0 ? GNTST_GENERAL_ERROR : GNTST_OKAY;
        g.write16(cr3, uop + STATUS_FRAMES_STATUS, status);
        return 0;
    }
}
