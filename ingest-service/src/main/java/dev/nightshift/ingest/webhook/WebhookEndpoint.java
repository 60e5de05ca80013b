package dev.nightshift.ingest.webhook;

import java.io.IOException;

import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.ingest.publish.RetryLater;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /webhooks/{source}}, served by a servlet filter ahead of every other one: a webhook's HMAC is its
 * credential, so Spring Security (which guards only the management endpoints) has nothing to do here, and Spring
 * MVC's dispatch (handler mapping, argument resolution, message converters) costs more than the work itself on a
 * path that reads bytes and writes one small JSON answer. What it keeps: one server span per delivery that
 * continues the sender's W3C trace context (sampled parent-based, as configured), in scope while the task event is
 * sent, so the record's headers carry the trace on to dispatch and report; the answers, statuses and rate-limited
 * log lines the MVC controller had. Any other path under /webhooks goes on down the chain as before.
 */
final class WebhookEndpoint implements Filter {

    static final String PATH = "/webhooks/";
    private static final String SPAN_NAME = "http post /webhooks/{name}";

    private final WebhookReceiver receiver;
    private final WebhookErrors errors;
    private final IngestProperties ingest;
    private final JsonMapper json;
    private final Tracer tracer;
    private final Propagator propagator;

    WebhookEndpoint(WebhookReceiver receiver, WebhookErrors errors, IngestProperties ingest, JsonMapper json, Tracer tracer,
            Propagator propagator) {
        this.receiver = receiver;
        this.errors = errors;
        this.ingest = ingest;
        this.json = json;
        this.tracer = tracer;
        this.propagator = propagator;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String name = sourceName(request);
        if (name == null) {
            chain.doFilter(request, response);
            return;
        }
        if (!"POST".equals(request.getMethod())) {
            // as Spring MVC answered a mapping with another method: 405, the error page rendered by Spring Boot
            response.setHeader("Allow", "POST");
            response.sendError(HttpStatus.METHOD_NOT_ALLOWED.value());
            return;
        }
        Span span = propagator.extract(request, HttpServletRequest::getHeader).name(SPAN_NAME).kind(Span.Kind.SERVER).start();
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            WebhookErrors.Answer answer = answer(name, request);
            span.tag("source", name).tag("status", String.valueOf(answer.status().value())).tag("result", answer.body().result());
            write(response, answer);
        } catch (IOException | RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private WebhookErrors.Answer answer(String name, HttpServletRequest request) throws IOException {
        try {
            WebhookSource source = receiver.source(name);
            return new WebhookErrors.Answer(HttpStatus.OK, receiver.receive(source,
                    () -> new WebhookDelivery(RawBody.read(request, ingest.maxBodyBytes()), request::getHeader)));
        } catch (WebhookRejected e) {
            return errors.rejected(e);
        } catch (RetryLater e) {
            return errors.unavailable(e);
        }
    }

    private void write(HttpServletResponse response, WebhookErrors.Answer answer) throws IOException {
        byte[] body = json.writeValueAsBytes(answer.body());
        response.setStatus(answer.status().value());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** The {name} of /webhooks/{name} (one path segment, decoded as the servlet container decodes it), else null. */
    static String sourceName(HttpServletRequest request) {
        String path = request.getServletPath();
        if (request.getPathInfo() != null) {
            path = path + request.getPathInfo();
        }
        if (!path.startsWith(PATH) || path.length() == PATH.length() || path.indexOf('/', PATH.length()) >= 0) {
            return null;
        }
        return path.substring(PATH.length());
    }
}
