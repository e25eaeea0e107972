package org.oxen.io.xenbus;

import org.osgi.annotation.versioning.ConsumerType;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.XenbusState;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * A {@link Backend} with the reactions of Xen's backend drivers to their frontend (Linux
 * xen-blkback's frontend_changed, the notes' "Connect" and "Close / reconnect"):
 * <ul>
 * <li>first call (xenbus makes it when it binds the backend): {@link #publish()} the features,
 *     then InitWait;</li>
 * <li>frontend Initialised or Connected while not Connected: {@link #connect()}, then Connected
 *     (Mini-OS goes straight to Connected);</li>
 * <li>frontend Closing: {@link #disconnect()}, then Closing;</li>
 * <li>frontend Closed after a connection: {@link #disconnect()}, then Closed;</li>
 * <li>frontend Initialising while Closed: InitWait again (prepare for reconnect), unless the
 *     toolstack took the device offline ({@code online = 0} in the backend directory, as
 *     {@code xl block-detach} does): then the backend stays Closed until the directory goes, as
 *     Linux's backends unregister an offline device at the frontend's Closed.</li>
 * </ul>
 * {@link #close()} (the factory is leaving) disconnects; xenbus then writes Closing and Closed.
 * A hook that throws leaves the state as it was and is reported by xenbus.
 *
 * <p>xenbus calls one method at a time per device, on its own thread.
 */
@ConsumerType
public abstract class AbstractBackend implements Backend {

    protected final BackendDevice device;
    private boolean started;
    private boolean connected;
    /** Closed with {@code online = 0}: the toolstack is removing the device; no reconnect. */
    private boolean offline;

    /** The backend starts (publish, InitWait) at xenbus's first call, once the subclass is built. */
    protected AbstractBackend(BackendDevice device) {
        this.device = device;
    }

    /** Writes the backend's feature nodes (before InitWait). */
    protected abstract void publish() throws XenstoreException;

    /** Reads the frontend's keys, maps its ring, binds its event channel, publishes the device. */
    protected abstract void connect() throws Exception;

    /** Unmaps and unbinds what {@link #connect()} made (called also when not connected). */
    protected abstract void disconnect();

    @Override
    public final void frontendChanged(XenbusState frontend) {
        try {
            if (!started) {
                started = true;
                publish();
                device.switchState(XenbusState.INIT_WAIT);
            }
            XenbusState mine = device.state();
            switch (frontend) {
                case INITIALISED, CONNECTED -> {
                    if (mine != XenbusState.CONNECTED && mine != XenbusState.CLOSING && mine != XenbusState.CLOSED) {
                        connect();
                        connected = true;
                        device.switchState(XenbusState.CONNECTED);
                    }
                }
                case CLOSING -> {
                    disconnectOnce();
                    device.switchState(XenbusState.CLOSING);
                }
                case CLOSED -> {
                    if (mine == XenbusState.CONNECTED || mine == XenbusState.CLOSING) {
                        disconnectOnce();
                        device.switchState(XenbusState.CLOSED);
                    }
                    offline = device.xenstore().read(device.backendPath() + "/online").map("0"::equals).orElse(false);
                }
                case INITIALISING -> {
                    if (mine == XenbusState.CLOSED && !offline) device.switchState(XenbusState.INIT_WAIT);
                }
                default -> {
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(device.backendPath() + ": frontend " + frontend + ": " + e.getMessage(), e);
        }
    }

    private void disconnectOnce() {
        if (connected) {
            connected = false;
            disconnect();
        }
    }

    @Override
    public void close() {
        disconnectOnce();
    }
}
