package org.oxen.toolstack.xl.cfg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The xl-network-configuration syntax (xl.cfg's vif list, xl network-attach): settings, defaults,
 * libxlu's rate arithmetic (bytes or bits per second, K/M/G in powers of 1000, the interval in
 * s/ms/us, 50 ms by default) and a clear error for each kind of bad input, with its position in
 * a config file.
 */
class VifSpecTest {

    @Test
    void settingsAndDefaults() {
        VifSpec v = VifSpec.parse(" mac=00:16:3E:01:02:03 , bridge=br1, ip=10.0.0.2, mtu=1400, script=vif-bridge ", 2);
        assertEquals(new VifSpec(2, "00:16:3e:01:02:03", "br1", 0, 0, "10.0.0.2", 1400, null), v);
        assertEquals(null, v.rateNode());
        assertEquals(new VifSpec(0, null, "xenbr0", 0, 0, null, 1500, null), VifSpec.parse("", 0));
        assertEquals(7, VifSpec.parse("devid=7,type=vif,backend=0", 0).devid());
    }

    @ParameterizedTest
    @CsvSource({"10Mb/s, 62500, 50000", "10MB/s@20ms, 200000, 20000", "100Kb/s@1s, 12500, 1000000",
            "1GB/s@500us, 500000, 500", "8b/s@2, 2, 2000000", "1000B/s@20m, 20, 20000"})
    void ratesAsLibxluComputesThem(String rate, long bytes, long usecs) {
        VifSpec v = VifSpec.parse("rate=" + rate, 0);
        assertEquals(bytes, v.rateBytesPerInterval());
        assertEquals(usecs, v.rateIntervalUsecs());
        assertEquals(bytes + "," + usecs, v.rateNode());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"mac=00:16:3e:01:02; mac=00:16:3e:01:02: expected six hex pairs",
            "mac=01:16:3e:01:02:03; a multicast address", "rate=10Mb; invalid rate '10Mb'",
            "rate=0Mb/s; rate overflow", "rate=10Mb/s@; invalid replenishment interval ''",
            "rate=10Mb/s@5h; invalid replenishment interval '5h'", "bridge=has space; bridge=has space: expected",
            "model=e1000; model=e1000: not supported", "type=ioemu; emulated NICs", "backend=3; driver domains",
            "colour=red; unknown vif setting 'colour'", "mtu=9; mtu=9: expected a number in 68..65535",
            "bridge; 'bridge': expected key=value"})
    void badSettingsAreNamed(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VifSpec.parse(text, 0));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void theVifListOfAConfig() throws Exception {
        PvDomainSpec s = PvDomainSpecReader.read(XlConfigParser.parse("d.cfg",
                "name='a'\nkernel='k'\nvif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0,rate=10Mb/s@20ms', 'bridge=br1',\n"
                        + "  'devid=5' ]\n"));
        assertEquals(List.of(new VifSpec(0, "00:16:3e:00:00:01", "xenbr0", 25000, 20000, null, 1500, null),
                new VifSpec(1, null, "br1", 0, 0, null, 1500, null), new VifSpec(5, null, "xenbr0", 0, 0, null, 1500, null)),
                s.vifs());
        assertEquals(List.of(), s.warnings());
        XlConfigException e = assertThrows(XlConfigException.class, () -> PvDomainSpecReader.read(XlConfigParser.parse(
                "d.cfg", "name='a'\nkernel='k'\nvif = [ 'bridge=xenbr0',\n 'rate=fast' ]\n")));
        assertTrue(e.getMessage().startsWith("d.cfg:4:2: 'vif' entry 1: rate=fast: invalid rate"), e.getMessage());
        e = assertThrows(XlConfigException.class, () -> PvDomainSpecReader.read(XlConfigParser.parse("d.cfg",
                "name='a'\nkernel='k'\nvif = [ 'devid=1', '' ]\n")));
        assertTrue(e.getMessage().contains("'vif' entry 1: devid 1 is used twice"), e.getMessage());
        e = assertThrows(XlConfigException.class, () -> PvDomainSpecReader.read(XlConfigParser.parse("d.cfg",
                "name='a'\nkernel='k'\nvif = 'bridge=xenbr0'\n")));
        assertTrue(e.getMessage().contains("'vif' must be a list"), e.getMessage());
    }
}
