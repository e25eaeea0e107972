/**
 * A deterministic discrete-event simulator of N pCPUs driving one
 * {@link org.oxen.sched.api.Scheduler} with a virtual clock: the stand-in for the VMM core's
 * pCPU loop in scheduler tests, the conformance checker and benchmarks. Vcpus run
 * {@link org.oxen.sched.testing.Workload}s (CPU-bound, I/O-like block/wake, periodic jobs with
 * deadlines, yielders); the simulator accounts CPU time, dispatch latency and deadline misses,
 * and fails at once if a scheduler breaks an invariant (a vcpu on two pCPUs, a non-runnable or
 * foreign vcpu chosen, a vcpu run outside its processor or affinity, a non-positive budget).
 */
@Export
@Version("1.0.0")
package org.oxen.sched.testing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
