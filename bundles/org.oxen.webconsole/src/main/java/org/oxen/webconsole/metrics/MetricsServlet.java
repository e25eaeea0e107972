package org.oxen.webconsole.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.vmm.api.backend.BackendStatistics;
import java.util.List;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.HypervisorLog;
import org.oxen.vmm.api.HypervisorMetrics;
import org.oxen.webconsole.http.TokenContext;

/** {@code /metrics}: {@link PrometheusText} of every domain (behind the console's token, like every route). */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/metrics")
@HttpWhiteboardContextSelect(TokenContext.SELECT)
public final class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient Domains domains;
    private final transient HypervisorLog log;
    private final transient HypervisorMetrics metrics;

    /** The backends' figures (vbd, vif): device I/O. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    transient volatile List<BackendStatistics> backends = List.of();

    @Activate
    public MetricsServlet(@Reference Domains domains, @Reference HypervisorLog log, @Reference HypervisorMetrics metrics) {
        this.domains = domains;
        this.log = log;
        this.metrics = metrics;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] body = PrometheusText.render(domains.list(), log.internalErrors(), metrics.counting(),
                DeviceIo.of(backends)).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
