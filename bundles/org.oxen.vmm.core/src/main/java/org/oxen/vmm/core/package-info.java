/**
 * The hypervisor (VMM core): {@link org.oxen.vmm.core.Vmm} and its OSGi face
 * {@link org.oxen.vmm.core.HypervisorComponent}. Private: nothing here is exported.
 *
 * <h2 id="lock-order">Lock order</h2>
 * The one statement of the VMM's lock order; every concurrent class links here. A thread
 * holding a lock may take only locks further down the list:
 * <ol>
 * <li>a domain's {@code destroyLock} (one destroy of a domain at a time; the whole teardown
 *     runs under it);</li>
 * <li>the introductions lock ({@code domain.XenstoreIntroductions}: xenstored's
 *     {@code DomainIntroducer}s and the store links; introduce and release run under it, so an introducer may bind and close
 *     Domain-0 event channels and read the domain table, but never create or destroy a
 *     domain);</li>
 * <li>the {@code Vmm} monitor: the domain table (create, destroy, rename: {@code DomainLifecycle});</li>
 * <li>{@code CpuPools}' config lock (Xen's cpupool_lock): registry, pools, domain membership,
 *     toolstack pause/unpause, DomainMove;</li>
 * <li>a domain's {@code hypercallDeadlockMutex} (Xen's hypercall_deadlock_mutex: a vcpu pausing
 *     another of its domain, VCPUOP_register_vcpu_info; only ever tryLock'd, a vcpu that cannot
 *     take it continues its hypercall, so it never waits);</li>
 * <li>a domain's {@code domainLock} (Xen's d-&gt;domain_lock: vcpu initialise/up/down, the
 *     vcpu_info move);</li>
 * <li>a domain's event lock ({@code EventChannels}, Xen's d-&gt;event_lock); when two domains'
 *     are needed (interdomain bind, close, send), the lower domain id's first;</li>
 * <li>a grant table's monitor ({@code grant.GrantTable}, Xen's grant-table and active-entry
 *     locks; never two at once): under it only a domain's monitor (is it dying), a grant
 *     table's maptrack lock (a leaf) and the mm lock;</li>
 * <li>an HVM domain's device lock ({@code HvmPlatform}: every call into that domain's devices;
 *     a device raising an interrupt wakes a halted vcpu under it, reaching the locks below; the
 *     hypervisor timer it re-arms takes only a {@code Pcpu}'s lock);</li>
 * <li>a scheduler instance's lock (taken inside the instance's hooks: sleep, wake, ...);</li>
 * <li>a domain's or a vcpu's monitor (state reads, the blocked flag, counters: calls out to
 *     nothing), or a vcpu's {@code VcpuTimers} monitor (period and last tick; it arms timers);</li>
 * <li>a {@code Pcpu}'s lock (its timer list and idle wait: a leaf; timer callbacks run after
 *     it is released, on the pCPU's thread, holding nothing), or a deterministic domain's
 *     {@code DeterministicTime} monitor (its timer list and instruction accounting: a leaf too,
 *     callbacks run after it is released). The {@code TimerAlarm} takes no lock (atomics).</li>
 * </ol>
 * A vcpu's blocked flag changes under its monitor on both sides (SCHEDOP_block checks for a
 * pending event and sets it; a sender sets the event pending, then clears it): no wake-up is
 * lost between the check and the block.
 * The mm lock (the {@code FramePool} monitor) is taken under the Vmm monitor, a destroy lock, a
 * domain lock or a grant table's monitor, or alone, never with another lock of this list below it.
 * The log-dirty lock (a domain's {@code DomainMemory} monitor, {@code paging.LogDirty}) is taken
 * alone, never on a pCPU thread (it waits for vcpus to flush their TLBs); the mm lock may be
 * taken under it. Log-dirty's write reports take no lock. Shadow paging's state
 * ({@code paging.ShadowPaging}) is guarded by the mm lock. pCPU threads (guest code, hypercalls, exits, timer
 * callbacks) never take the Vmm monitor nor the config lock, so a toolstack operation may wait
 * for a vcpu to leave its pCPU while holding them.
 */
package org.oxen.vmm.core;
