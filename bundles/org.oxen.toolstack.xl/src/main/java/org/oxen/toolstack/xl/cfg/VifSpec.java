package org.oxen.toolstack.xl.cfg;

import java.util.Objects;

/**
 * One network interface of a domain, as an xl-network-configuration string describes it
 * ({@code "mac=00:16:3e:01:02:03, bridge=xenbr0, rate=10Mb/s@20ms"}; since 1.4). Parsed by
 * {@link VifSpec#parse}, the one parser of that syntax (xl.cfg's {@code vif} list and
 * {@code xl network-attach}).
 *
 * @param devid the device id ({@code devid=}, or the position in the {@code vif} list), -1 for "the next free one"
 * @param mac the MAC address as written ({@code mac=}), or null for a random one in Xen's OUI
 * @param bridge the bridge ({@code bridge=}, default {@code xenbr0})
 * @param rateBytesPerInterval the rate limit's credit per interval ({@code rate=}), 0 for none
 * @param rateIntervalUsecs the interval in microseconds (default 50 ms when a rate is given)
 * @param ip the guest's address(es) as written ({@code ip=}), or null
 * @param mtu the MTU ({@code mtu=}, default 1500)
 * @param vifname the backend interface name ({@code vifname=}), or null for {@code vif<domid>.<devid>}
 */
public record VifSpec(int devid, String mac, String bridge, long rateBytesPerInterval, long rateIntervalUsecs, String ip,
        int mtu, String vifname) {

    public static final String DEFAULT_BRIDGE = "xenbr0";
    public static final int DEFAULT_MTU = 1500;
    /** libxl's default replenishment interval: 50 ms. */
    public static final long DEFAULT_INTERVAL_USECS = 50_000;

    public VifSpec {
        Objects.requireNonNull(bridge, "bridge");
    }

    /** The backend's {@code rate} node as libxl writes it ("bytes,usecs"), or null without a limit. */
    public String rateNode() {
        return rateBytesPerInterval == 0 ? null : rateBytesPerInterval + "," + rateIntervalUsecs;
    }

    /**
     * Parses an xl-network-configuration string: comma-separated {@code key=value} settings
     * (spaces around them ignored; an empty string is a vif with every default).
     *
     * @param devid the device id when the string gives none (-1: choose later)
     * @throws IllegalArgumentException naming the setting and what is wrong with it
     */
    public static VifSpec parse(String text, int devid) {
        String mac = null, bridge = DEFAULT_BRIDGE, ip = null, vifname = null;
        long rateBytes = 0, rateUsecs = 0;
        int mtu = DEFAULT_MTU;
        for (String item : text.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) continue;
            int eq = s.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("'" + s + "': expected key=value");
            String key = s.substring(0, eq).strip(), value = s.substring(eq + 1).strip();
            switch (key) {
                case "mac" -> {
                    checkMac(value);
                    mac = value.toLowerCase(java.util.Locale.ROOT);
                }
                case "bridge" -> {
                    if (!value.matches("[A-Za-z0-9._-]{1,15}")) {
                        throw new IllegalArgumentException("bridge=" + value
                                + ": expected 1..15 letters, digits, '.', '-' or '_' (a Linux interface name)");
                    }
                    bridge = value;
                }
                case "rate" -> {
                    long[] r = parseRate(value);
                    rateBytes = r[0];
                    rateUsecs = r[1];
                }
                case "ip" -> ip = value;
                case "mtu" -> mtu = integer(key, value, 68, 65535);
                case "devid" -> devid = integer(key, value, 0, 65535);
                case "vifname" -> {
                    if (!value.matches("[A-Za-z0-9._-]{1,15}")) {
                        throw new IllegalArgumentException("vifname=" + value + ": expected 1..15 letters, digits, '.', '-' or '_'");
                    }
                    vifname = value;
                }
                case "type" -> {
                    if (!value.equals("vif")) {
                        throw new IllegalArgumentException("type=" + value
                                + ": oxen serves PV vifs only (type=vif); emulated NICs (ioemu) are not supported");
                    }
                }
                case "backend" -> {
                    if (!value.equals("0") && !value.equals("Domain-0")) {
                        throw new IllegalArgumentException("backend=" + value
                                + ": oxen's network backend runs in Domain-0 (driver domains are not supported)");
                    }
                }
                case "script" -> {
                    // accepted: oxen's netback attaches the vif to its bridge itself (vif-bridge's work)
                }
                case "model", "gatewaydev", "accel", "trusted", "untrusted", "forwarddev", "powerdown" ->
                    throw new IllegalArgumentException(key + "=" + value + ": not supported by oxen");
                default -> throw new IllegalArgumentException("unknown vif setting '" + key
                        + "' (oxen knows mac, bridge, rate, ip, mtu, devid, vifname, type, backend, script)");
            }
        }
        return new VifSpec(devid, mac, bridge, rateBytes, rateUsecs, ip, mtu, vifname);
    }

    private static int integer(String key, String value, int min, int max) {
        try {
            int v = Integer.parseInt(value);
            if (v >= min && v <= max) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + "=" + value + ": expected a number in " + min + ".." + max);
    }

    private static void checkMac(String value) {
        if (!value.matches("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")) {
            throw new IllegalArgumentException("mac=" + value + ": expected six hex pairs as 00:16:3e:12:34:56");
        }
        if ((Integer.parseInt(value.substring(0, 2), 16) & 1) != 0) {
            throw new IllegalArgumentException("mac=" + value + ": a multicast address cannot be a vif's");
        }
    }

    /**
     * xl's {@code rate=RATE[@INTERVAL]} (libxlu_vif.c): RATE is a number with an optional G, M or K
     * (powers of 1000) and B (bytes) or b (bits), then {@code /s}; INTERVAL a number with an
     * optional unit s, ms or us (default s; 50 ms when absent).
     *
     * @return {bytes per interval, interval in microseconds}
     */
    static long[] parseRate(String rate) {
        int at = rate.indexOf('@');
        String r = at < 0 ? rate : rate.substring(0, at);
        if (r.isEmpty()) throw new IllegalArgumentException("rate=" + rate + ": no rate specified");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)([GMK]?)([Bb])/s").matcher(r);
        if (!m.matches()) {
            throw new IllegalArgumentException("rate=" + rate + ": invalid rate '" + r + "' (e.g. 10Mb/s, 500KB/s)");
        }
        long perSec = Long.parseLong(m.group(1).length() > 10 ? "99999999999" : m.group(1));
        if (perSec == 0 || perSec > 0xFFFFFFFFL) throw new IllegalArgumentException("rate=" + rate + ": rate overflow");
        perSec *= switch (m.group(2)) {
            case "G" -> 1_000_000_000L;
            case "M" -> 1_000_000L;
            case "K" -> 1_000L;
            default -> 1L;
        };
        if (m.group(3).equals("b")) perSec /= 8;
        long usecs = DEFAULT_INTERVAL_USECS;
        if (at >= 0) {
            String i = rate.substring(at + 1);
            java.util.regex.Matcher mi = java.util.regex.Pattern.compile("([0-9]+)([mu]?)(s?)").matcher(i);
            if (!mi.matches()) {
                throw new IllegalArgumentException("rate=" + rate + ": invalid replenishment interval '" + i
                        + "' (e.g. 20ms, 500us, 1s)");
            }
            long n = Long.parseLong(mi.group(1).length() > 10 ? "99999999999" : mi.group(1));
            if (n == 0 || n > 0xFFFFFFFFL) throw new IllegalArgumentException("rate=" + rate + ": replenishment interval overflow");
            usecs = switch (mi.group(2)) {
                case "m" -> n * 1000;
                case "u" -> n;
                default -> n * 1_000_000;
            };
            if (usecs > 0xFFFFFFFFL) throw new IllegalArgumentException("rate=" + rate + ": replenishment interval overflow");
        }
        return new long[] {perSec * usecs / 1_000_000, usecs};
    }
}
