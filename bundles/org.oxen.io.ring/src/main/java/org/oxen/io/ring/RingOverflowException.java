package org.oxen.io.ring;

/**
 * The peer's producer index claims more unconsumed entries than the ring holds: a hostile or
 * broken peer (ring.h's RING_REQUEST_PROD_OVERFLOW). The end must stop using the ring.
 */
public class RingOverflowException extends Exception {

    private static final long serialVersionUID = 1L;

    public RingOverflowException(String message) {
        super(message);
    }
}
