package org.oxen.webconsole.http;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.servlet.context.ServletContextHelper;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContext;
import org.osgi.framework.BundleContext;

/**
 * The web console's servlet context ({@value #NAME}, at {@code /}): every servlet of the console
 * is registered in it, so {@link #handleSecurity} sees every request before any servlet does.
 * Without the token: 401 with an empty body; with a wrong one: 403, empty. A state-changing
 * request or a WebSocket handshake whose {@code Origin} is not this server is 403 too
 * (cross-site requests never act with a user's cookie; the cookie is also SameSite=Strict).
 */
@Component(service = ServletContextHelper.class, scope = ServiceScope.BUNDLE)
@HttpWhiteboardContext(name = TokenContext.NAME, path = "/")
public final class TokenContext extends ServletContextHelper {

    public static final String NAME = "org.oxen.webconsole";
    /** Select the console's context (a servlet's {@code osgi.http.whiteboard.context.select}). */
    public static final String SELECT = "(osgi.http.whiteboard.context.name=" + NAME + ")";

    private final WebConsoleToken token;

    @Activate
    public TokenContext(BundleContext bc, @org.osgi.service.component.annotations.Reference WebConsoleToken token) {
        super(bc.getBundle());
        this.token = token;
    }

    @Override
    public boolean handleSecurity(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Token t = token.token();
        switch (t.check(req)) {
            case MISSING:
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"oxen\"");
                resp.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
                resp.setContentLength(0);
                return false;
            case WRONG:
                resp.setStatus(HttpServletResponse.SC_FORBIDDEN);
                resp.setContentLength(0);
                return false;
            default:
                break;
        }
        boolean upgrade = req.getHeader("Upgrade") != null;
        if ((upgrade || !"GET".equals(req.getMethod()) && !"HEAD".equals(req.getMethod())) && !sameOrigin(req)) {
            resp.setStatus(HttpServletResponse.SC_FORBIDDEN);
            resp.setContentLength(0);
            return false;
        }
        if (Token.queryToken(req) != null) {
            // as Jupyter: the token in the URL becomes a cookie, so the page's own requests carry it
            resp.addHeader("Set-Cookie", Token.COOKIE + "=" + t.value() + "; Path=/; HttpOnly; SameSite=Strict");
        }
        return true;
    }

    /** No Origin (not a browser's cross-site request) or an Origin naming this host and port. */
    static boolean sameOrigin(HttpServletRequest req) {
        String origin = req.getHeader("Origin");
        if (origin == null) return true;
        String host = req.getHeader("Host");
        try {
            URI o = URI.create(origin);
            return host != null && ("http".equals(o.getScheme()) || "https".equals(o.getScheme()))
                    && host.equalsIgnoreCase(o.getRawAuthority());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
