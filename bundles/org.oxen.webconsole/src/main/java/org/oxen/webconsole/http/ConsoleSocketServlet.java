package org.oxen.webconsole.http;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.oxen.vmm.api.GuestConsole;
import org.oxen.webconsole.ws.Handshake;

/**
 * {@code /console/<domid>}: a domain's console both ways over a WebSocket (RFC 6455, through the
 * Servlet API's protocol upgrade): the console's log and then its output as binary messages,
 * keys typed as text or binary messages into the guest ({@link GuestConsole#write}). At most
 * {@value #MAX_SOCKETS} sockets at once (503 beyond); a request that is not a proper handshake
 * is 400 with the reason.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/console/*")
@HttpWhiteboardContextSelect(TokenContext.SELECT)
public final class ConsoleSocketServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final int MAX_SOCKETS = 16;

    private final transient AtomicInteger open = new AtomicInteger();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<GuestConsole> consoles = List.of();

    /**
     * How to end the TCP connection under an upgraded request: Jetty 11 keeps an upgraded
     * connection open after the handler closes both streams, so the socket closes Jetty's
     * {@code EndPoint} itself (RFC 6455 7.1.1: the server closes the TCP connection first).
     */
    static Runnable hangUp(HttpServletRequest req) {
        org.eclipse.jetty.server.Request base = org.eclipse.jetty.server.Request.getBaseRequest(req);
        if (base == null || base.getHttpChannel() == null) return () -> { };
        org.eclipse.jetty.io.EndPoint endPoint = base.getHttpChannel().getEndPoint();
        return endPoint::close;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        if (!path.matches("/[0-9]{1,9}")) {
            ApiServlet.error(resp, 404, "a console is /console/<domid>");
            return;
        }
        int domid = Integer.parseInt(path.substring(1));
        String problem = Handshake.problem(req.getMethod(), req.getHeader("Upgrade"), req.getHeader("Connection"),
                req.getHeader("Sec-WebSocket-Version"), req.getHeader("Sec-WebSocket-Key"));
        if (problem != null) {
            resp.setHeader("Sec-WebSocket-Version", "13");
            ApiServlet.error(resp, 400, problem);
            return;
        }
        GuestConsole console = consoles.stream().filter(c -> c.domid() == domid && c.isLive()).findFirst().orElse(null);
        if (console == null) {
            ApiServlet.error(resp, 404, "domain " + domid + " has no live console");
            return;
        }
        if (open.incrementAndGet() > MAX_SOCKETS) {
            open.decrementAndGet();
            ApiServlet.error(resp, 503, "too many console sockets open (at most " + MAX_SOCKETS + ")");
            return;
        }
        boolean handedOver = false;
        try {
            resp.setStatus(HttpServletResponse.SC_SWITCHING_PROTOCOLS);
            resp.setHeader("Upgrade", "websocket");
            resp.setHeader("Connection", "Upgrade");
            resp.setHeader("Sec-WebSocket-Accept", Handshake.accept(req.getHeader("Sec-WebSocket-Key")));
            ConsoleSocket.NEXT.set(new ConsoleSocket.Binding(console, open::decrementAndGet, hangUp(req)));
            req.upgrade(ConsoleSocket.class);
            handedOver = true;
        } finally {
            ConsoleSocket.NEXT.remove();
            if (!handedOver) open.decrementAndGet();
        }
    }
}
