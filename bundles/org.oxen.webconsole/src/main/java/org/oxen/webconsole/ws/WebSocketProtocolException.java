package org.oxen.webconsole.ws;

/** A peer broke RFC 6455: the connection is closed with {@link #closeCode()} and this message as the reason. */
public final class WebSocketProtocolException extends Exception {

    private static final long serialVersionUID = 1L;

    /** 1002: protocol error. */
    public static final int PROTOCOL_ERROR = 1002;
    /** 1007: a text message that is not UTF-8. */
    public static final int INVALID_PAYLOAD = 1007;
    /** 1009: a message larger than this end accepts. */
    public static final int TOO_BIG = 1009;

    private final int closeCode;

    public WebSocketProtocolException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }
}
