package org.oxen.x86.cpu.diff;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The native side of the differential tester: builds src/test/native/diffharness.c with
 * gcc -m32 (running setup-host.sh first if gcc cannot produce 32-bit binaries) and runs test
 * cases through it in batches. See the C file for the wire protocol.
 */
final class NativeHarness implements AutoCloseable {
    private static final Path SOURCE_DIR = Paths.get("src/test/native");
    private static final Path BINARY = Paths.get("target/diffharness/diffharness");

    private final Process process;
    private final OutputStream out;
    private final DataInputStream in;
    private final byte[] buf = new byte[16];

    private NativeHarness(Process p) {
        process = p;
        out = new BufferedOutputStream(p.getOutputStream(), 1 << 20);
        in = new DataInputStream(new BufferedInputStream(p.getInputStream(), 1 << 20));
    }

    /** True on an x86-64 or x86 Linux host, the only ones that can run the harness. */
    static boolean hostSupported() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").toLowerCase().contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("i386") || arch.equals("x86"));
    }

    static synchronized Path build() throws IOException, InterruptedException {
        Path src = SOURCE_DIR.resolve("diffharness.c");
        if (Files.exists(BINARY) && Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(src)) > 0) {
            return BINARY;
        }
        Files.createDirectories(BINARY.getParent());
        if (run(List.of("gcc", "-m32", "-O2", "-no-pie", "-fno-pie", "-o", BINARY.toString(), src.toString())) != 0) {
            // gcc-multilib missing: let the setup script install it, then retry once
            run(List.of("bash", SOURCE_DIR.resolve("setup-host.sh").toString()));
            if (run(List.of("gcc", "-m32", "-O2", "-no-pie", "-fno-pie", "-o", BINARY.toString(), src.toString())) != 0) {
                throw new IOException("cannot build the 32-bit diff harness (gcc -m32); run " + SOURCE_DIR.resolve("setup-host.sh"));
            }
        }
        return BINARY;
    }

    private static int run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    static NativeHarness start() throws IOException, InterruptedException {
        Path bin = build();
        ProcessBuilder pb = new ProcessBuilder(bin.toAbsolutePath().toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return new NativeHarness(pb.start());
    }

    /** Sends a batch; its results are read by {@link #receive}. */
    void send(List<TestCase> cases) throws IOException {
        writeInt(cases.size());
        for (TestCase c : cases) {
            out.write(c.flags());
            out.write(c.code.length);
            out.write(c.code);
            for (int r : c.regs) {
                writeInt(r);
            }
            writeInt(c.eflags);
            if (c.mem != null) {
                out.write(c.mem);
            }
            if (c.fpu) {
                writeShort(c.fcw);
                writeShort(c.fsw);
                out.write(c.ftw);
                for (int i = 0; i < 8; i++) {
                    writeLong(c.stM[i]);
                    writeShort(c.stSe[i]);
                }
            }
        }
        out.flush();
    }

    void receive(List<TestCase> cases, Result[] results) throws IOException {
        for (int k = 0; k < cases.size(); k++) {
            TestCase c = cases.get(k);
            Result r = new Result();
            r.vector = in.readUnsignedByte();
            r.eipOffset = in.readUnsignedByte();
            for (int i = 0; i < 8; i++) {
                r.regs[i] = readInt();
            }
            r.eflags = readInt();
            if (c.mem != null) {
                r.mem = new byte[TestCase.MEM_SIZE];
                in.readFully(r.mem);
            }
            if (c.fpu) {
                r.fcw = readShort();
                r.fsw = readShort();
                r.ftw = in.readUnsignedByte();
                for (int i = 0; i < 8; i++) {
                    r.stM[i] = readLong();
                    r.stSe[i] = readShort();
                }
            }
            results[k] = r;
        }
    }

    private void writeInt(int v) throws IOException {
        buf[0] = (byte) v;
        buf[1] = (byte) (v >>> 8);
        buf[2] = (byte) (v >>> 16);
        buf[3] = (byte) (v >>> 24);
        out.write(buf, 0, 4);
    }

    private void writeShort(int v) throws IOException {
        buf[0] = (byte) v;
        buf[1] = (byte) (v >>> 8);
        out.write(buf, 0, 2);
    }

    private void writeLong(long v) throws IOException {
        writeInt((int) v);
        writeInt((int) (v >>> 32));
    }

    private int readInt() throws IOException {
        return Integer.reverseBytes(in.readInt());
    }

    private int readShort() throws IOException {
        return Short.reverseBytes(in.readShort()) & 0xffff;
    }

    private long readLong() throws IOException {
        return Long.reverseBytes(in.readLong());
    }

    @Override
    public void close() throws IOException {
        out.close();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroy();
        InputStream s = process.getInputStream();
        s.close();
    }
}
