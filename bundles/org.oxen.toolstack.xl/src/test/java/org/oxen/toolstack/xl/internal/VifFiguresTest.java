package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.MacAddress;
import org.oxen.io.vswitch.SwitchPort;
import org.oxen.io.vswitch.internal.Switches;

/** xl top's NET columns from the bridges' ports named vif&lt;domid&gt;.&lt;n&gt;, on every bridge. */
class VifFiguresTest {

    static byte[] frame(long dst, long src, int length) {
        byte[] f = new byte[length];
        MacAddress.write(dst, f, 0);
        MacAddress.write(src, f, 6);
        return f;
    }

    @Test
    void aDomainsVifsOnEveryBridgeAreSummed() {
        Switches sw = new Switches();
        Bridge br0 = sw.bridge("xenbr0"), br1 = sw.bridge("xenbr1");
        SwitchPort a0 = br0.attach("vif3.0", (f, o, l) -> true), b0 = br0.attach("vif4.0", (f, o, l) -> true);
        SwitchPort a1 = br1.attach("vif3.1", (f, o, l) -> true), b1 = br1.attach("vif31.0", (f, o, l) -> true);
        a0.send(frame(0xFFFFFFFFFFFFL, 0x00163e000003L, 1000), 0, 1000); // vif3.0 sends 1000, vif4.0 gets it
        b0.send(frame(0x00163e000003L, 0x00163e000004L, 500), 0, 500); // vif3.0 gets 500
        a1.send(frame(0xFFFFFFFFFFFFL, 0x00163e000013L, 1200), 0, 1200); // vif3.1 sends 1200, vif31.0 gets it
        b1.send(frame(0x00163e000013L, 0x00163e000031L, 300), 0, 300);
        VifFigures figures = new VifFigures(sw);
        assertEquals(new NetFigures.Totals(2, 2200, 800), figures.domain(3), "vif3.0 and vif3.1, not vif31.0");
        assertEquals(new NetFigures.Totals(1, 500, 1000), figures.domain(4));
        assertEquals(new NetFigures.Totals(1, 300, 1200), figures.domain(31));
        assertEquals(new NetFigures.Totals(0, 0, 0), figures.domain(5));
        sw.shutdown();
    }
}
