package org.oxen.webconsole.http;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;

/**
 * The console's token ({@link Token}) and the line that gives it to the user: when the HTTP
 * runtime says where it listens ({@code osgi.http.endpoint}), one line on stdout per endpoint,
 * as Jupyter prints its URL: {@code oxen web console: http://127.0.0.1:PORT/?token=...}; an
 * endpoint that is not loopback gets a warning on stderr (the token is then all that guards it).
 * Thread-safe: the token is immutable; the endpoints are swapped whole.
 */
@Component(service = WebConsoleToken.class, immediate = true)
public final class WebConsoleToken {

    private final Token token;
    private volatile List<String> urls = List.of();

    @Activate
    public WebConsoleToken(BundleContext bc) {
        this.token = Token.of(bc.getProperty(Token.PROPERTY));
    }

    public Token token() {
        return token;
    }

    /** The URLs (with the token) the console is reachable at, as last printed. */
    public List<String> urls() {
        return urls;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = org.osgi.service.component.annotations.ReferencePolicyOption.GREEDY)
    void setRuntime(HttpServiceRuntime runtime, Map<String, Object> props) {
        announce(props);
    }

    void updatedRuntime(HttpServiceRuntime runtime, Map<String, Object> props) {
        announce(props);
    }

    void unsetRuntime(HttpServiceRuntime runtime) {
        urls = List.of();
    }

    private void announce(Map<String, Object> props) {
        List<String> found = new ArrayList<>();
        Object e = props.get("osgi.http.endpoint");
        if (e instanceof String s) {
            found.add(s);
        } else if (e instanceof String[] a) {
            found.addAll(List.of(a));
        } else if (e instanceof java.util.Collection<?> c) {
            c.forEach(x -> found.add(String.valueOf(x)));
        }
        List<String> now = new ArrayList<>();
        for (String endpoint : found) {
            String base = endpoint.endsWith("/") ? endpoint : endpoint + "/";
            now.add(base + "?" + Token.PARAMETER + "=" + token.value());
        }
        if (now.equals(urls)) return;
        urls = List.copyOf(now);
        PrintStream out = System.out;
        for (int i = 0; i < now.size(); i++) {
            out.println("oxen web console: " + now.get(i));
            if (!loopback(found.get(i))) {
                System.err.println("oxen web console: WARNING: " + found.get(i) + " is not a loopback address;"
                        + " only the token guards it");
            }
        }
    }

    static boolean loopback(String endpoint) {
        try {
            String host = URI.create(endpoint).getHost();
            return host != null && InetAddress.getByName(host).isLoopbackAddress();
        } catch (Exception ex) {
            return false;
        }
    }
}
