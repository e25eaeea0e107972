package org.oxen.webconsole.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.oxen.toolstack.xl.ConfigTextCreator;
import org.oxen.toolstack.xl.GetOpt;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.SchedulerInfo;
import org.oxen.webconsole.view.DomainSampler;
import org.oxen.webconsole.view.Json;

/**
 * The console's JSON API under {@code /api}:
 * <ul>
 * <li>{@code GET /api/domains}: every domain (id, name, state letter, memory KiB, vcpus, CPU%,
 * pool, scheduler), as {@code xl list} and {@code xl top} show them;
 * <li>{@code GET /api/pools}: CPU pools and the schedulers present with their parameters;
 * <li>{@code GET /api/stats}: the sampler's history (charts);
 * <li>{@code GET /api/jobs}: long work in progress (save, restore, migrate, image creation);
 * <li>{@code POST /api/domains} with an xl.cfg as the body ({@code ?paused=1}): {@code xl create}
 * through {@link ConfigTextCreator}, the toolstack's own parser and checks;
 * <li>{@code POST /api/domains/<id>/<pause|unpause|shutdown|destroy>}: that xl subcommand's own
 * service, so the console does exactly what {@code xl <action> <id>} does, and answers with its
 * exit status and its output.
 * </ul>
 * A body is at most 1 MiB (an xl.cfg's limit): more is 413 before it is read.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/*")
@HttpWhiteboardContextSelect(TokenContext.SELECT)
public final class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final int MAX_BODY = 1 << 20;
    static final List<String> ACTIONS = List.of("pause", "unpause", "shutdown", "destroy");

    private final transient Domains domains;
    private final transient CpuPools pools;
    private final transient DomainSampler sampler;
    private final transient ConfigTextCreator creator;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<XlSubcommand> subcommands = List.of();

    /** Long work in progress (save, restore, migrate, image creation), if the toolstack runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile org.oxen.vmm.api.jobs.Jobs jobs;

    @Activate
    public ApiServlet(@Reference Domains domains, @Reference CpuPools pools, @Reference DomainSampler sampler,
            @Reference ConfigTextCreator creator) {
        this.domains = domains;
        this.pools = pools;
        this.sampler = sampler;
        this.creator = creator;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        switch (path) {
            case "/domains" -> json(resp, 200, domainsJson());
            case "/pools" -> json(resp, 200, poolsJson());
            case "/stats" -> json(resp, 200, statsJson());
            case "/jobs" -> json(resp, 200, jobsJson());
            default -> error(resp, 404, "no such resource: /api" + path);
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        if (path.equals("/domains")) {
            create(req, resp);
            return;
        }
        String[] parts = path.split("/");
        // "", "domains", id, action
        if (parts.length != 4 || !parts[1].equals("domains") || !parts[2].matches("[0-9]{1,9}")) {
            error(resp, 404, "no such resource: /api" + path);
            return;
        }
        if (!ACTIONS.contains(parts[3])) {
            error(resp, 404, "no action '" + parts[3] + "' (the console knows " + ACTIONS + ")");
            return;
        }
        runXl(resp, parts[3], parts[2]);
    }

    private void create(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long declared = req.getContentLengthLong();
        if (declared > MAX_BODY) {
            // answered from the header alone and sent at once: the connection closes after it
            // rather than Jetty reading (and the client sending) the body first
            resp.setHeader("Connection", "close");
            error(resp, 413, "an xl.cfg is at most 1 MiB of text (" + declared + " bytes sent)");
            resp.flushBuffer();
            return;
        }
        byte[] body;
        try (InputStream in = req.getInputStream()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            error(resp, 413, "an xl.cfg is at most 1 MiB of text");
            return;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            error(resp, 400, "the config is not UTF-8 text");
            return;
        }
        boolean paused = "1".equals(req.getParameter("paused"));
        try {
            ConfigTextCreator.Created c = creator.create("web-console.cfg", text, Path.of("").toAbsolutePath(), paused);
            Json j = new Json().raw("{").field("domid", c.domain().id()).sep().field("name", c.domain().name()).sep()
                    .key("warnings").raw("[");
            for (int i = 0; i < c.warnings().size(); i++) {
                if (i > 0) j.sep();
                j.str(c.warnings().get(i));
            }
            json(resp, 201, j.raw("]}").toString());
        } catch (XlError e) {
            error(resp, 400, e.getMessage());
        } catch (RuntimeException e) {
            error(resp, 500, "create failed: " + e);
        }
    }

    private void runXl(HttpServletResponse resp, String action, String domid) throws IOException {
        Optional<XlSubcommand> sub = subcommands.stream().filter(s -> s.name().equals(action)).findFirst();
        if (sub.isEmpty()) {
            error(resp, 503, "xl " + action + " is not available (its bundle is not running)");
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            XlSubcommand c = sub.get();
            try {
                GetOpt.Parsed parsed = new GetOpt(c.shortOptions(), c.longOptions()).parse(List.of(domid));
                status = c.run(new XlInvocation(action, parsed, false, false, o, e));
            } catch (XlUsageException | XlError x) {
                e.println(x.getMessage());
                status = 1;
            } catch (Exception x) {
                e.println("xl " + action + ": " + x);
                status = 1;
            }
        }
        json(resp, status == 0 ? 200 : 409, new Json().raw("{").field("command", "xl " + action + " " + domid).sep()
                .field("status", status).sep().field("out", out.toString(StandardCharsets.UTF_8)).sep()
                .field("err", err.toString(StandardCharsets.UTF_8)).raw("}").toString());
    }

    String domainsJson() {
        Map<Integer, DomainSampler.Rate> rates = new java.util.HashMap<>();
        for (DomainSampler.Rate r : sampler.latest().rates()) rates.put(r.domid(), r);
        Map<Integer, CpuPoolInfo> poolOf = new java.util.HashMap<>();
        for (CpuPoolInfo p : pools.pools()) {
            for (int d : p.domains()) poolOf.put(d, p);
        }
        Json j = new Json().raw("[");
        boolean first = true;
        for (Domain d : domains.list()) {
            if (!first) j.sep();
            first = false;
            DomainSampler.Rate r = rates.get(d.id());
            CpuPoolInfo p = poolOf.get(d.id());
            j.raw("{").field("id", d.id()).sep().field("name", d.name()).sep()
                    .field("state", String.valueOf(d.state().letter())).sep()
                    .field("memoryKiB", d.memoryKiB()).sep().field("maxMemoryKiB", d.maxMemoryKiB()).sep()
                    .field("vcpus", org.oxen.webconsole.metrics.PrometheusText.onlineVcpus(d)).sep()
                    .field("maxVcpus", d.vcpus().size()).sep()
                    .field("cpuSeconds", d.cpuTimeNanos() / 1e9).sep()
                    .field("cpuPercent", r == null ? 0.0 : r.cpuPercent()).sep()
                    .field("pool", p == null ? "" : p.name()).sep()
                    .field("scheduler", p == null ? "" : p.scheduler()).raw("}");
        }
        return j.raw("]").toString();
    }

    String poolsJson() {
        Json j = new Json().raw("{").field("pcpus", pools.pcpus()).sep().key("pools").raw("[");
        boolean first = true;
        for (CpuPoolInfo p : pools.pools()) {
            if (!first) j.sep();
            first = false;
            j.raw("{").field("id", p.id()).sep().field("name", p.name()).sep().field("scheduler", p.scheduler()).sep()
                    .field("cpus", p.cpus().toString()).sep().key("domains").raw("[");
            for (int i = 0; i < p.domains().size(); i++) {
                int id = p.domains().get(i);
                if (i > 0) j.sep();
                j.raw("{").field("id", id).sep().field("name", domains.find(id).map(Domain::name).orElse("?")).sep()
                        .key("params").raw("{");
                Map<String, String> params;
                try {
                    params = pools.schedulerParams(id);
                } catch (RuntimeException e) {
                    params = Map.of();
                }
                boolean f2 = true;
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(params).entrySet()) {
                    if (!f2) j.sep();
                    f2 = false;
                    j.field(e.getKey(), e.getValue());
                }
                j.raw("}}");
            }
            j.raw("]}");
        }
        j.raw("]").sep().key("schedulers").raw("[");
        first = true;
        for (SchedulerInfo s : pools.schedulers()) {
            if (!first) j.sep();
            first = false;
            j.raw("{").field("name", s.name()).sep().field("description", s.description()).sep()
                    .field("default", s.isDefault()).sep().key("params").raw("[");
            for (int i = 0; i < s.domainParams().size(); i++) {
                SchedulerInfo.Param p = s.domainParams().get(i);
                if (i > 0) j.sep();
                j.raw("{").field("name", p.name()).sep().field("unit", p.unit()).sep().field("range", p.range()).sep()
                        .field("default", p.defaultValue()).sep().field("description", p.description()).raw("}");
            }
            j.raw("]}");
        }
        return j.raw("]}").toString();
    }

    /** The running jobs, oldest first: id, kind, subject, done, total, fraction (0..1), phase, seconds running. */
    String jobsJson() {
        org.oxen.vmm.api.jobs.Jobs js = jobs;
        Json j = new Json().raw("[");
        if (js != null) {
            boolean first = true;
            long now = System.nanoTime();
            for (org.oxen.vmm.api.jobs.Jobs.JobInfo x : js.running()) {
                if (!first) j.sep();
                first = false;
                j.raw("{").field("id", x.id()).sep().field("kind", x.kind()).sep().field("subject", x.subject()).sep()
                        .field("done", x.done()).sep().field("total", x.total()).sep().field("fraction", x.fraction()).sep()
                        .field("phase", x.phase()).sep().field("seconds", (now - x.startedNanos()) / 1e9).raw("}");
            }
        }
        return j.raw("]").toString();
    }

    String statsJson() {
        Json j = new Json().raw("[");
        boolean first = true;
        for (DomainSampler.Sample s : sampler.history()) {
            if (!first) j.sep();
            first = false;
            j.raw("{").field("t", s.timeMs()).sep().key("domains").raw("[");
            for (int i = 0; i < s.rates().size(); i++) {
                DomainSampler.Rate r = s.rates().get(i);
                if (i > 0) j.sep();
                j.raw("{").field("id", r.domid()).sep().field("name", r.name()).sep().field("cpu", r.cpuPercent()).sep()
                        .field("hypercalls", r.hypercallsPerSecond()).sep().field("sent", r.eventsSentPerSecond()).sep()
                        .field("delivered", r.eventsDeliveredPerSecond()).raw("}");
            }
            j.raw("]}");
        }
        return j.raw("]").toString();
    }

    static void json(HttpServletResponse resp, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }

    static void error(HttpServletResponse resp, int status, String message) throws IOException {
        json(resp, status, new Json().raw("{").field("error", message).raw("}").toString());
    }
}
