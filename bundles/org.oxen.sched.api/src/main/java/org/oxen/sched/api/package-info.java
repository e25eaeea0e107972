/**
 * The scheduler SPI, in the shape of Xen's {@code struct sched_ops}.
 *
 * <ul>
 * <li>{@link org.oxen.sched.api.SchedulerFactory}: the stateless ops table, one OSGi service per
 *     algorithm, carrying {@value org.oxen.sched.api.SchedulerFactory#PROP_NAME} and
 *     {@value org.oxen.sched.api.SchedulerFactory#PROP_ID}. It creates one
 *     {@link org.oxen.sched.api.Scheduler} per CPU pool.</li>
 * <li>{@link org.oxen.sched.api.Scheduler}: the instance. Mandatory hooks are abstract, optional
 *     ones have defaults; the core calls only the public final entry points (the null-safe
 *     wrappers of Xen's private.h), which take the instance lock and check that the private
 *     data they are handed was made by this instance.</li>
 * <li>{@link org.oxen.sched.api.CpuPool}, {@link org.oxen.sched.api.SchedVcpu},
 *     {@link org.oxen.sched.api.SchedDomain}, {@link org.oxen.sched.api.SchedTimer}: the view of
 *     the VMM core a scheduler sees; the core implements them.</li>
 * <li>{@link org.oxen.sched.api.Decision}: the per-pCPU mutable result of a scheduling
 *     decision (no allocation on the hot path).</li>
 * <li>{@link org.oxen.sched.api.ParamSchema}/{@link org.oxen.sched.api.ParamSpec}/
 *     {@link org.oxen.sched.api.ParamValues}: typed per-domain and per-pool parameters
 *     ({@code xl sched-<name>}).</li>
 * <li>{@link org.oxen.sched.api.AbstractSchedulerFactory}: the base of every factory.</li>
 * <li>{@link org.oxen.sched.api.Conformance}: run once when a factory appears (Xen's
 *     {@code sched_test_func}); {@link org.oxen.sched.api.DomainMove}: Xen's
 *     {@code sched_move_domain} steps.</li>
 * </ul>
 *
 * <p>2.0: {@code SchedIds} is gone (each scheduler bundle declares its id), the simulator moved
 * to the test-support bundle {@code org.oxen.sched.testing}, {@code Conformance} no longer
 * simulates (that is {@code org.oxen.sched.testing.SchedulerConformance}), and
 * {@link org.oxen.sched.api.ParamSpec} carries its {@code xl} option letter and column.
 */
@Export
@Version("2.0.0")
package org.oxen.sched.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
