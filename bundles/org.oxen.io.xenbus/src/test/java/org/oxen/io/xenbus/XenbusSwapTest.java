package org.oxen.io.xenbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.io.xenbus.internal.XenbusBackends;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenbusState;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.core.Vmm;

/**
 * A Java backend and a Java frontend through xenbus over xenstored: the toolstack's two
 * directories bind the factory of the device type, the handshake runs InitWait → Initialised
 * → Connected, and a better-ranked factory takes the device over through Closing → Closed →
 * reconnect, the frontend resubmitting its in-flight request to the new backend; the factory
 * leaving closes the device; the directory removed closes its backend.
 */
class XenbusSwapTest {

    private static final String FE = "/local/domain/5/device/vtest/0";
    private static final String BE = "/local/domain/0/backend/vtest/5/0";

    private Vmm vmm;
    private XenstoreComponent xenstored;
    private XenstoreClient toolstack;
    private XenbusBackends xenbus;
    private final List<String> log = new CopyOnWriteArrayList<>();

    /** A backend that answers the frontend's "request" node with "<name>:<request>" in "response". */
    final class EchoBackend extends AbstractBackend {
        private final String name;

        EchoBackend(BackendDevice d, String name) throws XenstoreException {
            super(d);
            this.name = name;
        }

        @Override
        protected void publish() throws XenstoreException {
            device.xenstore().write(device.backendPath() + "/feature-echo", "1");
            log.add(name + " publish");
        }

        @Override
        protected void connect() throws Exception {
            String req = device.xenstore().read(device.frontendPath() + "/request").orElse("");
            device.xenstore().write(device.backendPath() + "/response", name + ":" + req);
            log.add(name + " connect " + req);
        }

        @Override
        protected void disconnect() {
            log.add(name + " disconnect");
        }
    }

    /** A frontend with one request in flight until a backend answered it. */
    final class EchoFrontend extends XenbusFrontend {
        volatile String answered;

        EchoFrontend(XenstoreClient xs) throws XenstoreException {
            super(xs, FE);
        }

        @Override
        protected void initialise() throws Exception {
            xenstore().write(FE + "/request", "ping");
            log.add("fe initialise");
        }

        @Override
        protected void connected() throws Exception {
            answered = xenstore().read(backendPath() + "/response").orElse(null);
            log.add("fe connected " + answered);
        }

        @Override
        protected void disconnected() {
            answered = null; // in flight again: resubmitted on reconnect
            log.add("fe disconnected");
        }
    }

    @BeforeEach
    void start() throws Exception {
        vmm = new Vmm(16L << 20, 1);
        xenstored = new XenstoreComponent(vmm.eventChannels());
        toolstack = xenstored.connect();
        // the toolstack's two directories, as libxl writes them (one transaction, state 1)
        var t = toolstack.transaction();
        t.write(FE + "/backend", BE);
        t.write(FE + "/backend-id", "0");
        t.write(FE + "/state", "1");
        t.write(BE + "/frontend", FE);
        t.write(BE + "/frontend-id", "5");
        t.write(BE + "/online", "1");
        t.write(BE + "/state", "1");
        assertTrue(t.commit());
        xenbus = new XenbusBackends(xenstored, vmm.eventChannels());
    }

    @AfterEach
    void stop() {
        xenbus.deactivate();
        toolstack.close();
        xenstored.deactivate();
        vmm.shutdown();
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out: " + what);
            Thread.sleep(2);
        }
    }

    private String state(String dir) {
        try {
            return toolstack.read(dir + "/state").orElse("-");
        } catch (XenstoreException e) {
            throw new AssertionError(e);
        }
    }

    private BackendFactory factory(String name) {
        return d -> new EchoBackend(d, name);
    }

    @Test
    void handshakeThenSwapThenRemoval() throws Exception {
        BackendFactory v1 = factory("v1");
        xenbus.addFactory(v1, Map.of(BackendFactory.DEVICE_TYPE, "vtest", "service.id", 10L));
        await(() -> state(BE).equals("2"), "backend InitWait");
        assertEquals(Optional.of("1"), toolstack.read(BE + "/feature-echo"));
        assertEquals(Map.of(BE, v1), xenbus.bound());

        EchoFrontend fe = new EchoFrontend(toolstack);
        fe.start();
        await(() -> state(BE).equals("4") && state(FE).equals("4"), "both Connected");
        assertEquals("v1:ping", fe.answered);
        assertEquals(List.of("v1 publish", "fe initialise", "v1 connect ping", "fe connected v1:ping"), log);

        // a better-ranked factory: the device swaps over, the request is answered again
        log.clear();
        BackendFactory v2 = factory("v2");
        xenbus.addFactory(v2, Map.of(BackendFactory.DEVICE_TYPE, "vtest", "service.ranking", 5, "service.id", 11L));
        await(() -> "v2:ping".equals(fe.answered) && state(BE).equals("4") && state(FE).equals("4"),
                "reconnected to v2: " + log);
        assertEquals(Map.of(BE, v2), xenbus.bound());
        assertTrue(log.contains("v1 disconnect") && log.indexOf("v1 disconnect") < log.indexOf("v2 publish"),
                "the old backend is closed before the new one starts: " + log);
        assertTrue(log.indexOf("fe disconnected") < log.indexOf("v2 connect ping"), log.toString());
        assertTrue(log.contains("fe initialise"), "the frontend went through Initialising again: " + log);
        assertEquals("fe connected v2:ping", log.get(log.size() - 1), log.toString());

        // v2 leaves: v1 (still registered) takes over again
        log.clear();
        xenbus.removeFactory(v2);
        await(() -> "v1:ping".equals(fe.answered) && state(BE).equals("4") && state(FE).equals("4"),
                "back on v1: " + log);
        assertEquals(Map.of(BE, v1), xenbus.bound());

        // the last factory leaves: the device is closed and stays so
        xenbus.removeFactory(v1);
        await(() -> state(BE).equals("6"), "backend Closed");
        assertEquals(Map.of(), xenbus.bound());

        // a factory returns: the frontend (Initialising after the Closed backend) reconnects
        log.clear();
        xenbus.addFactory(v1, Map.of(BackendFactory.DEVICE_TYPE, "vtest", "service.id", 12L));
        await(() -> "v1:ping".equals(fe.answered) && state(BE).equals("4") && state(FE).equals("4"),
                "reconnected after no backend: " + log);

        // the toolstack removes the backend directory: its backend is closed
        log.clear();
        toolstack.rm("/local/domain/0/backend/vtest");
        await(() -> xenbus.bound().isEmpty(), "unbound after removal");
        assertEquals(List.of("v1 disconnect"), log);
        fe.close();
    }
}
