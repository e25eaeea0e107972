package org.oxen.x86.cpu.internal;

/**
 * The guest-fault signal: a single preallocated, stackless throwable per CPU. The vector and
 * error code live in the CPU's fields ({@code faultVector}, {@code faultError}); the run loop
 * catches it, rewinds EIP to the instruction start and delivers the exception.
 */
final class Fault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Fault() {
        super("guest fault", null, false, false);
    }
}
