package org.oxen.x86.host;

/**
 * Memory for generated x86-64 code, kept W^X: {@link #allocate} gives a read-write mapping to
 * write code into, {@link #seal} turns pages read-execute before they run, {@link #unseal} turns
 * them back to read-write to patch them, and {@link #call} runs code as {@code int64_t
 * (*)(void *context)} (System V AMD64: context in RDI, result in RAX). Writing to a sealed page
 * or calling an unsealed one kills the JVM with SIGSEGV, as does code that is wrong: what is
 * called must have been generated for this purpose and checked by its generator.
 */
public final class NativeCode {

    private NativeCode() {
    }

    /** A read-write mapping of {@code bytes} (rounded up to whole host pages), page-aligned, zeroed. */
    public static long allocate(long bytes) {
        HostLibrary.checkBytes("NativeCode.allocate", bytes);
        return HostLibrary.mapAnonymous(bytes, false);
    }

    /** Makes {@code [address, address + bytes)} read-execute ({@code mprotect}); {@code address} page-aligned. */
    public static void seal(long address, long bytes) {
        HostLibrary.checkAddress("NativeCode.seal", address);
        HostLibrary.checkBytes("NativeCode.seal", bytes);
        HostLibrary.protect(address, bytes, true);
    }

    /** Makes {@code [address, address + bytes)} read-write again ({@code mprotect}); {@code address} page-aligned. */
    public static void unseal(long address, long bytes) {
        HostLibrary.checkAddress("NativeCode.unseal", address);
        HostLibrary.checkBytes("NativeCode.unseal", bytes);
        HostLibrary.protect(address, bytes, false);
    }

    /** Unmaps code memory from {@link #allocate}; nothing may run on it or call into it any more. */
    public static void release(long address, long bytes) {
        HostLibrary.checkAddress("NativeCode.release", address);
        HostLibrary.checkBytes("NativeCode.release", bytes);
        HostLibrary.unmap(address, bytes);
    }

    /** Calls the sealed code at {@code code} with {@code context} as its one argument and returns its result. */
    public static long call(long code, long context) {
        HostLibrary.checkAddress("NativeCode.call", code);
        return HostLibrary.call(code, context);
    }
}
