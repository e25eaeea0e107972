package org.oxen.io.xenstore.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.io.xenstore.store.Quotas;
import org.oxen.io.xenstore.store.Store;

/** xs_wire as a guest speaks it, message by message, including what a hostile guest sends. */
class WireConnectionTest {

    private Store store;
    private final BlockingQueue<byte[]> out5 = new LinkedBlockingQueue<>();
    private WireConnection dom5;

    @BeforeEach
    void setUp() throws Exception {
        store = new Store(Quotas.XENSTORED);
        store.mkdir(0, null, "/local/domain/5");
        store.setPermissions(0, null, "/local/domain/5", List.of("n5"));
        dom5 = new WireConnection(store, 5, out5::add);
    }

    @AfterEach
    void tearDown() {
        dom5.close();
        store.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends one request and returns the reply's payload as text, NULs shown as '|'. */
    private String call(int type, int reqId, int txId, String payload) throws Exception {
        dom5.receive(XsWire.message(type, reqId, txId, bytes(payload)));
        byte[] r = out5.poll(5, TimeUnit.SECONDS);
        assertNotNull(r, "no reply");
        assertEquals(reqId, XsWire.reqId(r), "the reply echoes req_id");
        assertEquals(txId, XsWire.txId(r), "the reply echoes tx_id");
        String text = new String(r, XsWire.HEADER, r.length - XsWire.HEADER, StandardCharsets.ISO_8859_1).replace('\0', '|');
        return (XsWire.type(r) == XsWire.ERROR ? "ERROR " : XsWire.type(r) == type ? "" : "TYPE" + XsWire.type(r) + " ") + text;
    }

    @Test
    void theNodeOperations() throws Exception {
        assertEquals("OK|", call(XsWire.WRITE, 1, 0, "data/x\0hello"));
        assertEquals("hello", call(XsWire.READ, 2, 0, "data/x\0"), "a value comes back without a NUL");
        assertEquals("hello", call(XsWire.READ, 3, 0, "/local/domain/5/data/x\0"));
        assertEquals("OK|", call(XsWire.MKDIR, 4, 0, "data/y\0"));
        assertEquals("x|y|", call(XsWire.DIRECTORY, 5, 0, "data\0"));
        assertEquals("n5|", call(XsWire.GET_PERMS, 6, 0, "data/x\0"));
        assertEquals("OK|", call(XsWire.SET_PERMS, 7, 0, "data/x\0n5\0r6\0"));
        assertEquals("n5|r6|", call(XsWire.GET_PERMS, 8, 0, "data/x\0"));
        assertEquals("OK|", call(XsWire.RM, 9, 0, "data\0"));
        assertEquals("ERROR ENOENT|", call(XsWire.READ, 10, 0, "data/x\0"));
        assertEquals("/local/domain/7|", call(XsWire.GET_DOMAIN_PATH, 11, 0, "7\0"));
        assertEquals("ERROR EACCES|", call(XsWire.WRITE, 12, 0, "/local/domain/0/x\0poke"));
        assertEquals("ERROR EACCES|", call(XsWire.READ, 13, 0, "/vm\0"));
    }

    @Test
    void malformedMessagesGetXensErrors() throws Exception {
        assertEquals("ERROR ENOSYS|", call(99, 1, 0, "x\0"), "unknown type");
        assertEquals("ERROR ENOSYS|", call(20, 2, 0, "x\0"), "XS_RESTRICT is gone");
        assertEquals("ERROR EINVAL|", call(XsWire.READ, 3, 0, "data/x"), "missing NUL");
        assertEquals("ERROR EINVAL|", call(XsWire.READ, 4, 0, "a\0b\0"), "two strings where one belongs");
        assertEquals("ERROR EINVAL|", call(XsWire.WRITE, 5, 0, "no-nul-at-all"));
        assertEquals("ERROR EINVAL|", call(XsWire.WATCH, 6, 0, "path-only\0"));
        assertEquals("ERROR EINVAL|", call(XsWire.READ, 7, 0, "bad path\0"));
        assertEquals("ERROR ENOENT|", call(XsWire.READ, 8, 77, "data\0"), "unknown transaction");
        assertEquals("ERROR EINVAL|", call(XsWire.TRANSACTION_END, 9, 0, "T\0"), "no transaction to end");
        assertEquals("ERROR EACCES|", call(XsWire.INTRODUCE, 10, 0, "9\0" + "1234\0" + "3\0"), "privileged");
        assertEquals("ERROR EACCES|", call(XsWire.SET_TARGET, 11, 0, "9\0" + "5\0"));
        assertEquals("ERROR ENOENT|", call(XsWire.UNWATCH, 12, 0, "x\0t\0"));
        assertNull(dom5.broken(), "errors do not drop the connection");
        assertEquals("OK|", call(XsWire.WRITE, 13, 0, "still\0fine"));
    }

    @Test
    void anOversizedMessageDropsOnlyThatConnection() throws Exception {
        byte[] header = XsWire.message(XsWire.READ, 1, 0, new byte[0]);
        XsWire.putInt(header, 12, XsWire.PAYLOAD_MAX + 1);
        assertEquals(-1, dom5.checkHeader(header));
        assertTrue(dom5.broken().contains("4097 bytes is over the 4096-byte maximum"), dom5.broken());
        dom5.receive(XsWire.message(XsWire.READ, 2, 0, bytes("data\0")));
        assertNull(out5.poll(200, TimeUnit.MILLISECONDS), "a dropped connection answers nothing");

        BlockingQueue<byte[]> out6 = new LinkedBlockingQueue<>();
        WireConnection dom6 = new WireConnection(store, 6, out6::add);
        dom6.receive(XsWire.message(XsWire.GET_DOMAIN_PATH, 3, 0, bytes("6\0")));
        assertEquals("/local/domain/6\0", new String(out6.poll(5, TimeUnit.SECONDS), XsWire.HEADER, 16, StandardCharsets.ISO_8859_1));
        byte[] lying = XsWire.message(XsWire.READ, 4, 0, bytes("x\0"));
        XsWire.putInt(lying, 12, 1); // header and body disagree
        dom6.receive(lying);
        assertNotNull(dom6.broken());
        dom6.close();
    }

    @Test
    void watchesSendTheReplyThenTheInitialEvent() throws Exception {
        assertEquals("OK|", call(XsWire.WATCH, 1, 0, "device\0tok\0"));
        byte[] ev = out5.poll(5, TimeUnit.SECONDS);
        assertEquals(XsWire.WATCH_EVENT, XsWire.type(ev));
        assertEquals(0, XsWire.reqId(ev));
        assertEquals("device\0tok\0", new String(ev, XsWire.HEADER, ev.length - XsWire.HEADER, StandardCharsets.ISO_8859_1));
        store.write(0, null, "/local/domain/5/device/state", "4");
        String[] expected = {"device\0tok\0", "device/state\0tok\0"};
        for (String e : expected) {
            byte[] m = out5.poll(5, TimeUnit.SECONDS);
            assertEquals(e, new String(m, XsWire.HEADER, m.length - XsWire.HEADER, StandardCharsets.ISO_8859_1));
        }
        assertEquals("OK|", call(XsWire.UNWATCH, 2, 0, "/local/domain/5/device\0tok\0"), "the same watch, absolute");
        store.write(0, null, "/local/domain/5/device/state", "5");
        assertNull(out5.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void transactionsOverTheWire() throws Exception {
        String id = call(XsWire.TRANSACTION_START, 1, 0, "\0");
        assertEquals("1|", id);
        assertEquals("OK|", call(XsWire.WRITE, 2, 1, "t/a\0in tx"));
        assertEquals("ERROR ENOENT|", call(XsWire.READ, 3, 0, "t/a\0"), "not visible outside");
        assertEquals("in tx", call(XsWire.READ, 4, 1, "t/a\0"));
        assertEquals("ERROR EBUSY|", call(XsWire.TRANSACTION_START, 5, 1, "\0"));
        assertEquals("OK|", call(XsWire.TRANSACTION_END, 6, 1, "T\0"));
        assertEquals("in tx", call(XsWire.READ, 7, 0, "t/a\0"));
        assertEquals("ERROR ENOENT|", call(XsWire.READ, 8, 1, "t/a\0"), "ended");

        assertEquals("2|", call(XsWire.TRANSACTION_START, 9, 0, "\0"));
        assertEquals("in tx", call(XsWire.READ, 10, 2, "t/a\0"));
        assertEquals("OK|", call(XsWire.WRITE, 11, 2, "t/b\0x"));
        store.write(0, null, "/local/domain/5/t/a", "conflict");
        assertEquals("ERROR EAGAIN|", call(XsWire.TRANSACTION_END, 12, 2, "T\0"));
        assertEquals("ERROR ENOENT|", call(XsWire.READ, 13, 0, "t/b\0"));
    }
}
