package org.oxen.debug.gdbstub.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.oxen.debug.gdbstub.DebugGate;
import org.oxen.debug.gdbstub.DebugTarget;
import org.oxen.x86.cpu.X86Cpu;

/**
 * One gdb client's session: packet framing ({@code $data#cs}, acks, no-ack mode, Ctrl-C) and the
 * commands. gdb thread ids are CPU index + 1. Bad checksums get {@code -}, oversized packets are
 * dropped, malformed commands get {@code E01}; none ends the session.
 *
 * <p>Threading: runs on the server's connection thread only.
 */
public final class GdbSession {

    /** Largest packet accepted (and announced as PacketSize). */
    static final int PACKET_SIZE = 0x4000;

    private final DebugGate gate;
    private final DebugTarget target;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[PACKET_SIZE];
    private boolean ackMode = true;
    private int gCpu, cCpu;
    /** Refused packets (bad checksum, too long), for tests and logs. */
    private int refused;

    public GdbSession(DebugGate gate, InputStream in, OutputStream out) {
        this.gate = gate;
        this.target = gate.target();
        this.in = new BufferedInputStream(in);
        this.out = out;
    }

    /** Stops the target (attach), then serves packets until the client detaches or goes away. */
    public void run() throws IOException, InterruptedException {
        gate.requestStop();
        while (!gate.awaitStop(1000)) {
            // a target halted with nothing to wake it still reaches its checkpoint within a batch
        }
        while (true) {
            int len = readPacket();
            if (len < 0) {
                return;
            }
            String p = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
            if (!handle(p)) {
                return;
            }
        }
    }

    /** Lets the target go: stop it if running (so breakpoints can be removed), then release it. */
    public static void detach(DebugGate gate) {
        try {
            if (!gate.isEnded() && !gate.isStopped()) {
                gate.requestStop();
                gate.awaitStop(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gate.release();
    }

    // ---- framing ----

    /** Reads the next packet's payload into buf; -1 at end of stream. Ctrl-C outside a packet is ignored while stopped. */
    private int readPacket() throws IOException {
        while (true) {
            int b = in.read();
            if (b < 0) {
                return -1;
            }
            if (b != '$') {
                continue; // '+', '-', 0x03 while stopped, garbage between packets
            }
            int len = 0;
            boolean overflow = false;
            int sum = 0;
            while (true) {
                b = in.read();
                if (b < 0) {
                    return -1;
                }
                if (b == '#') {
                    break;
                }
                sum += b;
                if (len < buf.length) {
                    buf[len++] = (byte) b;
                } else {
                    overflow = true;
                }
            }
            int h = in.read(), l = in.read();
            if (l < 0) {
                return -1;
            }
            int cs = (Hex.digit(h) << 4) | Hex.digit(l);
            if (overflow || Hex.digit(h) < 0 || Hex.digit(l) < 0 || cs != (sum & 0xFF)) {
                refused++;
                if (ackMode) {
                    out.write('-');
                    out.flush();
                }
                continue;
            }
            if (ackMode) {
                out.write('+');
            }
            return len;
        }
    }

    private void send(String payload) throws IOException {
        int sum = 0;
        for (int i = 0; i < payload.length(); i++) {
            sum += payload.charAt(i);
        }
        String framed = "$" + payload + "#" + Hex.byte2(sum & 0xFF);
        out.write(framed.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        // the client's ack is skipped by readPacket (a '-' would ask for a resend: gdb over TCP does not lose bytes)
    }

    // ---- commands ----

    /** Handles one packet; false when the session ends. */
    private boolean handle(String p) throws IOException, InterruptedException {
        if (gate.isEnded()) {
            send(endReply());
            return !p.startsWith("D") && !p.startsWith("k");
        }
        try {
            switch (p.isEmpty() ? ' ' : p.charAt(0)) {
                case '?': send(stopReply()); return true;
                case 'g': send(Registers.read(target.cpu(gCpu))); return true;
                case 'G': Registers.write(target.cpu(gCpu), p.substring(1)); send("OK"); return true;
                case 'p': send(Registers.readOne(target.cpu(gCpu), Hex.parse(p.substring(1)))); return true;
                case 'P': {
                    int eq = p.indexOf('=');
                    Registers.writeOne(target.cpu(gCpu), Hex.parse(p.substring(1, eq)), p.substring(eq + 1));
                    send("OK");
                    return true;
                }
                case 'm': send(Memory.read(gate, gCpu, p.substring(1))); return true;
                case 'M': send(Memory.write(gate, gCpu, p.substring(1))); return true;
                case 'H': {
                    int cpu = thread(p.substring(2));
                    if (cpu < -1) { send("E01"); return true; }
                    if (p.charAt(1) == 'g') gCpu = Math.max(cpu, 0); else cCpu = cpu;
                    send("OK");
                    return true;
                }
                case 'T': send(thread(p.substring(1)) >= 0 ? "OK" : "E01"); return true;
                case 'Z': case 'z': send(breakpoint(p)); return true;
                case 'c': return resume(-1, p.substring(1));
                case 's': return resume(cCpu < 0 ? gCpu : cCpu, p.substring(1));
                case 'D': send("OK"); return false;
                case 'k': return false;
                case 'q': send(query(p)); return true;
                case 'Q':
                    if (p.equals("QStartNoAckMode")) {
                        send("OK");
                        ackMode = false;
                    } else {
                        send("");
                    }
                    return true;
                default: send(""); return true; // unsupported (vCont?, X, ...): gdb falls back
            }
        } catch (RuntimeException e) {
            send("E01"); // malformed numbers, missing fields: refused, the session goes on
            return true;
        }
    }

    /** gdb thread id ("-1" all, "0" any, hex) to a CPU index, -1 for all/any, -2 if no such CPU. */
    private int thread(String id) {
        if (id.equals("-1") || id.equals("0")) {
            return -1;
        }
        int t = Hex.parse(id);
        return t >= 1 && t <= target.cpuCount() ? t - 1 : -2;
    }

    private String stopReply() {
        if (gate.isEnded()) {
            return endReply();
        }
        int[] watch = gate.stopWatch();
        String why = gate.stopAtBreakpoint() ? "swbreak:;" : watch == null ? ""
                : watch[0] == DebugGate.HW_BREAK ? "hwbreak:;"
                : (watch[0] == DebugGate.WATCH_WRITE ? "watch:" : watch[0] == DebugGate.WATCH_READ ? "rwatch:" : "awatch:")
                        + Integer.toHexString(watch[1]) + ";";
        return "T" + Hex.byte2(gate.stopSignal()) + "thread:" + Hex.byte2(gate.stopCpu() + 1) + ";" + why;
    }

    private String endReply() {
        Integer status = gate.exitStatus();
        return status != null ? "W" + Hex.byte2(status & 0xFF) : "X09";
    }

    private String breakpoint(String p) {
        String[] f = p.substring(1).split(",");
        if (f.length < 3) {
            return "E01";
        }
        int type = Integer.parseInt(f[0]);
        int addr = (int) Long.parseLong(f[1], 16);
        if (type >= DebugGate.HW_BREAK && type <= DebugGate.WATCH_ACCESS) {
            int len = Integer.parseInt(f[2].split(";")[0], 16);
            if (p.charAt(0) == 'Z') {
                return gate.insertHardware(type, addr, len) ? "OK" : "E0E";
            }
            gate.removeHardware(type, addr, len);
            return "OK";
        }
        if (type != 0) {
            return ""; // no other kind: gdb falls back
        }
        if (p.charAt(0) == 'Z') {
            return gate.insertBreakpoint(gCpu, addr) ? "OK" : "E0E";
        }
        gate.removeBreakpoint(addr);
        return "OK";
    }

    private boolean resume(int stepCpu, String addr) throws IOException, InterruptedException {
        X86Cpu cpu = target.cpu(stepCpu >= 0 ? stepCpu : gCpu);
        if (!addr.isEmpty()) {
            cpu.setEip(Hex.parse(addr));
        }
        gate.resume(stepCpu);
        while (!gate.awaitStop(20)) {
            if (in.available() > 0) {
                int b = in.read();
                if (b == 0x03) {
                    gate.requestStop();
                }
            }
        }
        send(stopReply());
        return true;
    }

    private String query(String p) {
        if (p.startsWith("qSupported")) {
            return "PacketSize=" + Integer.toHexString(PACKET_SIZE) + ";qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+";
        }
        if (p.startsWith("qXfer:features:read:")) {
            return TargetDescription.read(p.substring("qXfer:features:read:".length()));
        }
        if (p.equals("qfThreadInfo")) {
            StringBuilder s = new StringBuilder("m");
            for (int i = 0; i < target.cpuCount(); i++) {
                s.append(i == 0 ? "" : ",").append(Integer.toHexString(i + 1));
            }
            return s.toString();
        }
        if (p.equals("qsThreadInfo")) {
            return "l";
        }
        if (p.equals("qC")) {
            return "QC" + Integer.toHexString(gate.stopCpu() + 1);
        }
        if (p.equals("qAttached")) {
            return "1";
        }
        if (p.startsWith("qThreadExtraInfo,")) {
            int cpu = thread(p.substring("qThreadExtraInfo,".length()));
            return cpu < 0 ? "E01" : Hex.encode(("CPU " + cpu).getBytes(StandardCharsets.US_ASCII));
        }
        if (p.startsWith("qRcmd,")) {
            return Monitor.run(gate, new String(Hex.decode(p.substring(6)), StandardCharsets.US_ASCII));
        }
        return "";
    }

    int refused() {
        return refused;
    }
}
