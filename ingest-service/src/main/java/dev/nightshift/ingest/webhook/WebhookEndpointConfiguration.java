package dev.nightshift.ingest.webhook;

import dev.nightshift.ingest.IngestProperties;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import tools.jackson.databind.json.JsonMapper;

/** The webhook endpoint, first in the servlet filter chain for /webhooks/*. */
@Configuration(proxyBeanMethods = false)
class WebhookEndpointConfiguration {

    @Bean
    FilterRegistrationBean<WebhookEndpoint> webhookEndpoint(WebhookReceiver receiver, WebhookErrors errors, IngestProperties ingest,
            JsonMapper json, ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        FilterRegistrationBean<WebhookEndpoint> registration = new FilterRegistrationBean<>(new WebhookEndpoint(receiver, errors, ingest, json,
                tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP)));
        registration.setName("webhooks");
        registration.addUrlPatterns(WebhookEndpoint.PATH + "*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
