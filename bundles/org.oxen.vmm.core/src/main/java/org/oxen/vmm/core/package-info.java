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
 * <li>the {@code Vmm} monitor: the domain table (create, destroy);</li>
 * <li>{@code CpuPools}' config lock (Xen's cpupool_lock): registry, pools, domain membership,
 *     toolstack pause/unpause, DomainMove;</li>
 * <li>a domain's {@code hypercallDeadlockMutex} (Xen's hypercall_deadlock_mutex: a vcpu pausing
 *     another of its domain, VCPUOP_register_vcpu_info; only ever tryLock'd, a vcpu that cannot
 *     take it continues its hypercall, so it never waits);</li>
 * <li>a domain's {@code domainLock} (Xen's d-&gt;domain_lock: vcpu initialise/up/down, the
 *     vcpu_info move);</li>
 * <li>a domain's event lock ({@code EventChannels}, Xen's d-&gt;event_lock); when two domains'
 *     are needed (interdomain bind, close, send), the lower domain id's first;</li>
 * <li>a scheduler instance's lock (taken inside the instance's hooks: sleep, wake, ...);</li>
 * <li>a domain's or a vcpu's monitor (state reads, the blocked flag, counters: calls out to
 *     nothing), or a vcpu's {@code VcpuTimers} monitor (period and last tick; it arms timers);</li>
 * <li>a {@code Pcpu}'s lock (its timer list and idle wait: a leaf; timer callbacks run after
 *     it is released, on the pCPU's thread, holding nothing). The {@code TimerAlarm} takes no
 *     lock (atomics).</li>
 * </ol>
 * A vcpu's blocked flag changes under its monitor on both sides (SCHEDOP_block checks for a
 * pending event and sets it; a sender sets the event pending, then clears it): no wake-up is
 * lost between the check and the block.
 * The mm lock (the {@code FramePool} monitor) is taken under the Vmm monitor, a destroy lock or
 * a domain lock, or alone, never with another lock of this list below it. pCPU threads (guest code, hypercalls, exits, timer
 * callbacks) never take the Vmm monitor nor the config lock, so a toolstack operation may wait
 * for a vcpu to leave its pCPU while holding them.
 */
package org.oxen.vmm.core;
