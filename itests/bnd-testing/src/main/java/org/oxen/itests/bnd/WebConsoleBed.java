package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;

/**
 * What the web console's tests share (WebConsoleTest, WebConsoleMetricsTest): the runtime's
 * framework with the console found on loopback (its endpoint and token) and answering, a Gogo
 * session, the API's requests with the token, domains created through the API, and every
 * {@code wc-} domain destroyed after each test.
 */
abstract class WebConsoleBed {

    @InjectBundleContext
    BundleContext bc;

    @InjectService(timeout = 10_000)
    Domains domains;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    String base;
    String token;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    GogoSession gogo;

    @BeforeEach
    void findConsole() throws Exception {
        token = bc.getProperty("oxen.web.token");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (base == null) {
            ServiceReference<?>[] refs = bc.getAllServiceReferences("org.osgi.service.servlet.runtime.HttpServiceRuntime", null);
            if (refs != null) {
                Object ep = refs[0].getProperty("osgi.http.endpoint");
                String e = ep instanceof String[] a ? a[0] : ep instanceof java.util.Collection<?> c ? String.valueOf(c.iterator().next()) : (String) ep;
                if (e != null && !e.endsWith(":0/")) base = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
            }
            if (base == null) {
                if (System.nanoTime() > deadline) throw new AssertionError("no HTTP runtime endpoint");
                Thread.sleep(50);
            }
        }
        assertTrue(base.startsWith("http://127.0.0.1:"), "the console listens on loopback: " + base);
        while (get("/api/domains", "Bearer " + token).statusCode() != 200) {
            if (System.nanoTime() > deadline) throw new AssertionError("the console's API never answered");
            Thread.sleep(50);
        }
        gogo = new GogoSession(processor);
    }

    @AfterEach
    void cleanUp() {
        for (Domain d : domains.list()) {
            if (d.name().startsWith("wc-")) domains.destroy(d.id());
        }
        gogo.close();
    }

    HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    int create(String name, String kernel, String extra) throws Exception {
        HttpResponse<String> r = post("/api/domains", "name = \"" + name + "\"\nkernel = \"" + kernel
                + "\"\nmemory = 16\non_poweroff = \"destroy\"\n" + extra);
        assertEquals(201, r.statusCode(), r.body());
        return ((Double) MiniJson.object(r.body()).get("domid")).intValue();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> row(int domid) throws Exception {
        for (Object o : MiniJson.array(get("/api/domains", "Bearer " + token).body())) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (((Double) m.get("id")).intValue() == domid) return m;
        }
        return null;
    }
}
