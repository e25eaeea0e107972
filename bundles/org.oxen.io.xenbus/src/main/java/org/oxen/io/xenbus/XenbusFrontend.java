package org.oxen.io.xenbus;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.osgi.annotation.versioning.ConsumerType;
import org.oxen.vmm.api.backend.XenbusState;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * A frontend's side of the xenbus handshake, as Linux's xen-blkfront backend_changed runs it:
 * <ul>
 * <li>start: Initialising;</li>
 * <li>backend InitWait while Initialising or Closed: {@link #initialise()} (grant the ring,
 *     allocate the event channel, write its keys), then Initialised;</li>
 * <li>backend Connected while Initialised: {@link #connected()} (read the device's properties;
 *     resubmit what was in flight), then Connected;</li>
 * <li>backend Closing: {@link #disconnected()} (keep what was in flight to resubmit), then
 *     Closed;</li>
 * <li>backend Closed while Closed: Initialising, ready for a backend to reconnect.</li>
 * </ul>
 * The backend's state node is watched (its initial event included); reactions run one at a time
 * on the frontend's own thread. {@link #close()} stops watching.
 */
@ConsumerType
public abstract class XenbusFrontend implements AutoCloseable {

    private final XenstoreClient xs;
    private final String frontendPath;
    private final String backendPath;
    private final ExecutorService thread;
    private volatile XenbusState state = XenbusState.UNKNOWN;
    private AutoCloseable watch;

    /**
     * @param frontendPath the device directory (/local/domain/&lt;domU&gt;/device/&lt;type&gt;/&lt;id&gt;)
     *        whose {@code backend} node names the backend directory
     */
    protected XenbusFrontend(XenstoreClient xs, String frontendPath) throws XenstoreException {
        this.xs = xs;
        this.frontendPath = frontendPath;
        this.backendPath = xs.read(frontendPath + "/backend")
                .orElseThrow(() -> new XenstoreException("ENOENT", frontendPath + "/backend is missing"));
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "xenbus frontend " + frontendPath);
            t.setDaemon(true);
            return t;
        });
    }

    /** Goes Initialising and starts following the backend. */
    public void start() throws XenstoreException {
        switchState(XenbusState.INITIALISING);
        watch = xs.watch(backendPath + "/state", frontendPath, (path, token) -> thread.execute(this::backendChanged));
    }

    public String frontendPath() {
        return frontendPath;
    }

    public String backendPath() {
        return backendPath;
    }

    public XenbusState state() {
        return state;
    }

    protected XenstoreClient xenstore() {
        return xs;
    }

    protected abstract void initialise() throws Exception;

    protected abstract void connected() throws Exception;

    protected abstract void disconnected();

    private void switchState(XenbusState s) throws XenstoreException {
        xs.write(frontendPath + "/state", Integer.toString(s.value()));
        state = s;
    }

    private void backendChanged() {
        try {
            XenbusState be = xs.read(backendPath + "/state").map(XenbusState::parse).orElse(XenbusState.UNKNOWN);
            switch (be) {
                case INIT_WAIT -> {
                    if (state == XenbusState.INITIALISING || state == XenbusState.CLOSED) {
                        initialise();
                        switchState(XenbusState.INITIALISED);
                    }
                }
                case CONNECTED -> {
                    if (state == XenbusState.INITIALISED) {
                        connected();
                        switchState(XenbusState.CONNECTED);
                    }
                }
                case CLOSING -> {
                    if (state != XenbusState.CLOSED) {
                        disconnected();
                        switchState(XenbusState.CLOSED);
                    }
                }
                case CLOSED -> {
                    if (state == XenbusState.CONNECTED || state == XenbusState.INITIALISED) {
                        disconnected();
                        switchState(XenbusState.CLOSED);
                    }
                    if (state == XenbusState.CLOSED) switchState(XenbusState.INITIALISING);
                }
                default -> {
                }
            }
        } catch (Exception e) {
            System.err.println("xenbus: " + frontendPath + ": backend state change: " + e);
        }
    }

    @Override
    public void close() throws Exception {
        if (watch != null) watch.close();
        thread.shutdown();
        thread.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }
}
