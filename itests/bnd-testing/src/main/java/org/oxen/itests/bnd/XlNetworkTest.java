package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.oxen.vmm.api.Domain;

/**
 * xl's network devices in the runtime's Felix: {@code vif = [...]} in xl.cfg and
 * {@code xl network-attach/-list/-detach} write and remove the nodes libxl writes, with libxl's
 * permissions; the runtime's netback (bound by xenbus) answers each backend directory with its
 * features and InitWait; stopping the netback bundle closes its vifs (Closed) and starting it
 * again binds them anew; a bad vif setting is refused with its reason; the directories go with
 * the domain.
 */
class XlNetworkTest extends XlSessionTest {

    @Override
    String domainPrefix() {
        return "net-";
    }

    private Bundle bundle(String bsn) {
        return Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals(bsn)).findFirst().orElseThrow();
    }

    @Test
    void vifsFromTheConfigAndFromNetworkAttachAreServedByNetback() throws Exception {
        assertEquals(Bundle.ACTIVE, bundle("org.oxen.io.netback").getState());
        assertEquals(Bundle.ACTIVE, bundle("org.oxen.io.vswitch").getState());
        Path cfg = dir.resolve("net.cfg");
        Files.writeString(cfg, "name = \"net-a\"\nkernel = \"guest:hello\"\nmemory = 16\nextra = \"wait_shutdown=1\"\n"
                + "vif = [ 'mac=00:16:3e:00:10:01, bridge=xenbr0, rate=10Mb/s@20ms', 'bridge=xenbr1' ]\n");
        gogo.run("xl create " + cfg);
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertTrue(!gogo.err().contains("ignoring 'vif'"), gogo.err());
        Domain d = hv.find("net-a").orElseThrow();
        int id = d.id();
        String fe0 = "/local/domain/" + id + "/device/vif/0", be0 = "/local/domain/0/backend/vif/" + id + "/0";
        assertEquals(Optional.of(be0), xs.read(fe0 + "/backend"));
        assertEquals(Optional.of("0"), xs.read(fe0 + "/backend-id"));
        assertEquals(Optional.of("00:16:3e:00:10:01"), xs.read(fe0 + "/mac"));
        assertEquals(Optional.of("1500"), xs.read(fe0 + "/mtu"));
        assertEquals(Optional.of("0"), xs.read(fe0 + "/handle"));
        assertEquals(List.of("n" + id, "r0"), xs.permissions(fe0));
        assertEquals(Optional.of(fe0), xs.read(be0 + "/frontend"));
        assertEquals(Optional.of(Integer.toString(id)), xs.read(be0 + "/frontend-id"));
        assertEquals(Optional.of("1"), xs.read(be0 + "/online"));
        assertEquals(Optional.of("xenbr0"), xs.read(be0 + "/bridge"));
        assertEquals(Optional.of("vif"), xs.read(be0 + "/type"));
        assertEquals(Optional.of("25000,20000"), xs.read(be0 + "/rate"), "10 Mb/s over 20 ms, as libxl writes it");
        assertEquals(List.of("n0", "r" + id), xs.permissions(be0));
        // ... and their nodes, made after them, take them: the domain owns its frontend's nodes
        assertEquals(List.of("n" + id, "r0"), xs.permissions(fe0 + "/state"));
        assertEquals(List.of("n" + id, "r0"), xs.permissions(fe0 + "/mac"));
        assertEquals(List.of("n0", "r" + id), xs.permissions(be0 + "/mac"));
        // netback, bound by xenbus: its features, the hotplug script's status, InitWait
        awaitNode(be0 + "/state", Optional.of("2"));
        assertEquals(Optional.of("1"), xs.read(be0 + "/feature-rx-copy"));
        assertEquals(Optional.of("1"), xs.read(be0 + "/feature-sg"));
        assertEquals(Optional.of("connected"), xs.read(be0 + "/hotplug-status"));
        String be1 = "/local/domain/0/backend/vif/" + id + "/1";
        awaitNode(be1 + "/state", Optional.of("2"));
        String mac1 = xs.read(be1 + "/mac").orElseThrow();
        assertTrue(mac1.matches("00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}"), "a random MAC in Xen's OUI: " + mac1);
        assertEquals(Optional.of("xenbr1"), xs.read(be1 + "/bridge"));

        String list = gogo.run("xl network-list net-a");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        String[] lines = list.split("\\R");
        assertEquals(3, lines.length, list);
        assertTrue(lines[0].startsWith("Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path"), list);
        assertTrue(lines[1].startsWith("0   0  00:16:3e:00:10:01 0      1     -1        -1/-1          " + be0), list);
        assertTrue(lines[2].contains(mac1) && lines[2].endsWith(be1), list);

        // attach: the next devid; a bad setting is refused with its reason
        gogo.run("xl network-attach net-a mac=00:16:3e:00:10:09 bridge=xenbr0");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        String be2 = "/local/domain/0/backend/vif/" + id + "/2";
        awaitNode(be2 + "/state", Optional.of("2"));
        assertEquals(Optional.of("00:16:3e:00:10:09"), xs.read(be2 + "/mac"));
        gogo.run("xl network-attach net-a rate=fast");
        assertNotEquals(0, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("rate=fast: invalid rate 'fast'"), gogo.err());
        gogo.run("xl network-attach net-a mac=00:16:3e:00:10:09");
        assertNotEquals(0, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("mac 00:16:3e:00:10:09 is vif 2's"), gogo.err());

        // xl top's NET columns from netback's BackendStatistics: three vifs bound (none connected: no traffic)
        String top3 = gogo.run("xl top -b -i 1 -d 0.1");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        String[] row = top3.lines().map(String::trim).filter(l -> l.startsWith("net-a ")).findFirst()
                .orElseThrow(() -> new AssertionError(top3)).split("\\s+");
        assertEquals(List.of("3", "0", "0", "0"), List.of(row[9], row[10], row[11], row[12]),
                "NETS NETTX(k) NETRX(k) VBDS: " + top3);

        // the netback bundle stops: xenbus closes its vifs; it starts: they are bound again
        Bundle netback = bundle("org.oxen.io.netback");
        netback.stop();
        awaitNode(be0 + "/state", Optional.of("6"));
        awaitNode(be2 + "/state", Optional.of("6"));
        netback.start();
        awaitNode(be0 + "/state", Optional.of("2"));
        awaitNode(be2 + "/state", Optional.of("2"));

        // detach by devid and by MAC (no frontend ever connected: removed at once)
        gogo.run("xl network-detach net-a 2");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertEquals(Optional.empty(), xs.read(be2 + "/state"));
        gogo.run("xl network-detach net-a 00:16:3e:00:10:01");
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        assertEquals(Optional.empty(), xs.read(be0 + "/state"));
        assertEquals(Optional.empty(), xs.read(fe0 + "/state"));
        gogo.run("xl network-detach net-a 7");
        assertNotEquals(0, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("Device 7 not found"), gogo.err());

        String top = gogo.run("xl top -b -i 1 -d 0.1");
        assertTrue(top.contains("VCPUS NETS NETTX(k) NETRX(k)"), top);

        gogo.run("xl destroy net-a");
        awaitNode("/local/domain/0/backend/vif/" + id, Optional.empty()); // the vifs go with the domain
    }
}
