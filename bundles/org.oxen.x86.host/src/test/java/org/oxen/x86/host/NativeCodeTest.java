package org.oxen.x86.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Generated code through the real path: written into a RW mapping, sealed RX, called with a context. */
class NativeCodeTest {

    /** lea rax, [rdi + 1]; ret: returns its argument plus one. */
    private static final byte[] PLUS_ONE = {0x48, (byte) 0x8D, 0x47, 0x01, (byte) 0xC3};

    /** mov rax, [rdi]; add rax, [rdi + 8]; mov [rdi + 16], rax; ret: reads and writes its context. */
    private static final byte[] SUM_INTO_CONTEXT = {
        0x48, (byte) 0x8B, 0x07,
        0x48, 0x03, 0x47, 0x08,
        0x48, (byte) 0x89, 0x47, 0x10,
        (byte) 0xC3};

    @Test
    void calledCodeReturnsItsArgumentPlusOne() {
        long page = HostMemory.PAGE_SIZE;
        long code = NativeCode.allocate(page);
        try {
            RawMemory.copyFromArray(PLUS_ONE, 0, code, PLUS_ONE.length);
            assertEquals("rw-p", permissions(code), "allocated writable, not executable");
            NativeCode.seal(code, page);
            assertEquals("r-xp", permissions(code), "sealed: executable, not writable (W^X)");
            assertEquals(42, NativeCode.call(code, 41));
            assertEquals(0, NativeCode.call(code, -1));
            assertEquals(Long.MIN_VALUE, NativeCode.call(code, Long.MAX_VALUE));

            // patched: unsealed, rewritten, sealed again
            NativeCode.unseal(code, page);
            assertEquals("rw-p", permissions(code), "unsealed: writable, not executable");
            RawMemory.copyFromArray(SUM_INTO_CONTEXT, 0, code, SUM_INTO_CONTEXT.length);
            NativeCode.seal(code, page);
            long context = HostMemory.reserve(page);
            try {
                RawMemory.putLong(context, 40);
                RawMemory.putLong(context + 8, 2);
                assertEquals(42, NativeCode.call(code, context));
                assertEquals(42, RawMemory.getLong(context + 16));
            } finally {
                HostMemory.release(context, page);
            }
        } finally {
            NativeCode.release(code, page);
        }
    }

    /** The permissions the kernel shows for the mapping holding {@code address} (/proc/self/maps). */
    private static String permissions(long address) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                String[] fields = line.split(" +");
                String[] range = fields[0].split("-");
                if (Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                        && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
                    return fields[1];
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no mapping holds 0x" + Long.toHexString(address));
    }

    @Test
    void aBadMprotectNamesItsArgumentsAndErrno() {
        long page = HostMemory.PAGE_SIZE;
        long code = NativeCode.allocate(page);
        try {
            HostException e = assertThrows(HostException.class, () -> NativeCode.seal(code + 16, page));
            assertEquals("mprotect(0x" + Long.toHexString(code + 16) + ", " + page + " bytes, PROT_READ|PROT_EXEC): "
                    + "Invalid argument (errno 22)", e.getMessage());
        } finally {
            NativeCode.release(code, page);
        }
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> NativeCode.call(0, 1));
        assertTrue(nul.getMessage().contains("NativeCode.call"), nul.getMessage());
    }
}
