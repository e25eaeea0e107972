package org.oxen.itests.bnd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's headless Chromium driven by the Chrome DevTools protocol over the JDK's own WebSocket
 * client: start it, attach to its page, navigate, evaluate JavaScript, type keys, take a
 * screenshot. The flags are those that work on this closed network (no background networking,
 * no component updates, a fresh profile).
 */
final class DevTools implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");

    private final Process chromium;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();

    DevTools() throws Exception {
        profile = Files.createTempDirectory("oxen-chromium");
        chromium = new ProcessBuilder("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1100", "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--user-data-dir=" + profile, "about:blank").redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(chromium.getInputStream(), StandardCharsets.UTF_8));
        String browserWs = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        StringBuilder seen = new StringBuilder();
        while (browserWs == null) {
            String line = r.readLine();
            if (line == null || System.nanoTime() > deadline) throw new IOException("chromium did not start: " + seen);
            seen.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) browserWs = m.group(1);
        }
        Thread drain = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // chromium's own chatter
                }
            } catch (IOException e) {
                // it ended
            }
        }, "chromium-output");
        drain.setDaemon(true);
        drain.start();
        URI b = URI.create(browserWs);
        HttpClient http = HttpClient.newHttpClient();
        String pageWs = null;
        while (pageWs == null) {
            String list = http.send(HttpRequest.newBuilder(URI.create("http://" + b.getAuthority() + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (Object o : MiniJson.array(list)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> t = (Map<String, Object>) o;
                if ("page".equals(t.get("type"))) pageWs = (String) t.get("webSocketDebuggerUrl");
            }
            if (pageWs == null) {
                if (System.nanoTime() > deadline) throw new IOException("chromium shows no page: " + list);
                Thread.sleep(100);
            }
        }
        socket = http.newWebSocketBuilder().buildAsync(URI.create(pageWs), new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    Map<String, Object> m = MiniJson.object(text.toString());
                    text.setLength(0);
                    Object id = m.get("id");
                    if (id instanceof Double d) {
                        CompletableFuture<Map<String, Object>> f = pending.remove(d.intValue());
                        if (f != null) f.complete(m);
                    }
                }
                ws.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
    }

    /** Sends a command and returns its result (an error answer is an AssertionError). */
    @SuppressWarnings("unchecked")
    Map<String, Object> call(String method, String paramsJson) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}", true).get(30, TimeUnit.SECONDS);
        Map<String, Object> m = f.get(60, TimeUnit.SECONDS);
        if (m.containsKey("error")) throw new AssertionError(method + " failed: " + m.get("error"));
        return (Map<String, Object>) m.get("result");
    }

    /** Evaluates {@code js} in the page (promises awaited) and returns its value. */
    @SuppressWarnings("unchecked")
    Object eval(String js) throws Exception {
        Map<String, Object> r = call("Runtime.evaluate",
                "{\"expression\":" + MiniJson.quote(js) + ",\"returnByValue\":true,\"awaitPromise\":true}");
        if (r.containsKey("exceptionDetails")) throw new AssertionError("page threw: " + r.get("exceptionDetails"));
        return ((Map<String, Object>) r.get("result")).get("value");
    }

    void navigate(String url) throws Exception {
        call("Page.enable", "{}");
        call("Page.navigate", "{\"url\":" + MiniJson.quote(url) + "}");
    }

    /** Types {@code text} as key presses into the focused element ('\r' is Enter). */
    void type(String text) throws Exception {
        for (char c : text.toCharArray()) {
            if (c == '\r') {
                call("Input.dispatchKeyEvent", "{\"type\":\"keyDown\",\"key\":\"Enter\",\"code\":\"Enter\",\"windowsVirtualKeyCode\":13}");
                call("Input.dispatchKeyEvent", "{\"type\":\"keyUp\",\"key\":\"Enter\",\"code\":\"Enter\",\"windowsVirtualKeyCode\":13}");
            } else {
                String k = MiniJson.quote(String.valueOf(c));
                call("Input.dispatchKeyEvent", "{\"type\":\"keyDown\",\"key\":" + k + ",\"text\":" + k + "}");
                call("Input.dispatchKeyEvent", "{\"type\":\"keyUp\",\"key\":" + k + "}");
            }
        }
    }

    byte[] screenshot() throws Exception {
        String data = (String) call("Page.captureScreenshot", "{\"format\":\"png\"}").get("data");
        return java.util.Base64.getDecoder().decode(data);
    }

    /** Polls {@code js} until it is true (60 s). */
    void await(String js, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Object v = null;
        while (!Boolean.TRUE.equals(v = eval(js))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " (last: " + v + ") at " + eval("location.href")
                        + ": " + eval("document.documentElement.outerHTML.substring(0, 3000)"));
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            socket.abort();
        } finally {
            chromium.destroy();
            if (!chromium.waitFor(10, TimeUnit.SECONDS)) chromium.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

}
