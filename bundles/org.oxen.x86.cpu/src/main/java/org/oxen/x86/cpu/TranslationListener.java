package org.oxen.x86.cpu;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when a CPU's translator works on the CPU's own thread: it decodes a frame, plans a region
 * and generates and defines its code between {@link #translationBegins} and {@link
 * #translationEnds}, inside {@link X86Cpu#run}. That thread's CPU time is the hypervisor's, not
 * the guest's: an owner that runs a guest's clock on the thread's CPU time (an HVM domain's time
 * per vcpu) holds the clock in between. (The JVM compiles the generated code later on its own
 * compiler threads; that is not reported.) Called on the CPU's thread; must not block or run the
 * CPU. Since 1.11.
 */
@ConsumerType
public interface TranslationListener {

    /** The translator starts on this CPU's thread. */
    void translationBegins();

    /** The translator is done (its region compiled, refused or failed). */
    void translationEnds();
}
