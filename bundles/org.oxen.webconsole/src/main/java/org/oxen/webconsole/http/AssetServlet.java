package org.oxen.webconsole.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The page and its script and style, from this bundle's {@code /webconsole/} folder: {@code /}
 * is {@code index.html}, {@code /static/<name>} one file of that folder. A name is one path
 * segment of letters, digits and dashes with a known extension, or it is 404: no {@code ..},
 * no slash, no encoded separator can reach anything but those files, and nothing is read from
 * the file system. No CDN: the page loads nothing from elsewhere (a Content-Security-Policy says
 * so to the browser too).
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/", "/static/*"})
@HttpWhiteboardContextSelect(TokenContext.SELECT)
public final class AssetServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,64}\\.(html|js|css|png)");
    static final Map<String, String> TYPES = Map.of("html", "text/html;charset=utf-8", "js",
            "text/javascript;charset=utf-8", "css", "text/css;charset=utf-8", "png", "image/png");
    static final String CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none';"
            + " frame-ancestors 'none'; base-uri 'none'";

    private final transient BundleContext bc;

    @Activate
    public AssetServlet(BundleContext bc) {
        this.bc = bc;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String servletPath = req.getServletPath();
        String info = req.getPathInfo();
        String name;
        if ("/static".equals(servletPath)) {
            name = info == null ? "" : info.substring(1);
        } else {
            // the default servlet "/" gets every path nothing else matched: only "/" itself is the page
            String p = (servletPath == null ? "" : servletPath) + (info == null ? "" : info);
            if (!p.equals("/") && !p.isEmpty()) {
                notFound(resp);
                return;
            }
            name = "index.html";
        }
        if (!NAME.matcher(name).matches()) {
            notFound(resp);
            return;
        }
        URL url = bc.getBundle().getEntry("/webconsole/" + name);
        if (url == null) {
            notFound(resp);
            return;
        }
        byte[] body;
        try (InputStream in = url.openStream()) {
            body = in.readAllBytes();
        }
        resp.setStatus(200);
        resp.setContentType(TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        resp.setHeader("Content-Security-Policy", CSP);
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Cache-Control", "no-cache");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private static void notFound(HttpServletResponse resp) throws IOException {
        resp.setStatus(404);
        resp.setContentType("text/plain;charset=utf-8");
        resp.getOutputStream().write("not found\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
