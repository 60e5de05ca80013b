package dev.nightshift.observability.management;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The management endpoints (everything under /actuator but health and prometheus, which probes and the scraper
 * read without a credential) need the operator's bearer token, {@code nightshift.management.token}. Only
 * they: the one filter chain matches the actuator's endpoints alone, so webhooks, the task API (its own token)
 * and the rest of each service stay as they are. No session, no CSRF (nothing rides on a cookie), no login page.
 * Before Spring Boot's own security auto-configuration, whose defaults (a generated password, basic auth on
 * every path) back off when this chain and its provider exist.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(ManagementProperties.class)
public class ManagementSecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ManagementSecurityConfiguration.class);

    @Bean
    ManagementToken managementToken(ManagementProperties properties) {
        if (!properties.tokenSet()) {
            // 401 to everyone rather than 404: the same answer whether or not a token is configured
            log.warn("nightshift.management.token (NIGHTSHIFT_MANAGEMENT_TOKEN) is not set: the management endpoints "
                    + "other than health and prometheus answer 401 to every request");
        }
        return new ManagementToken(properties.token());
    }

    @Bean
    SecurityFilterChain managementEndpoints(HttpSecurity http, ManagementToken token) {
        RequestMatcher open = EndpointRequest.to("health", "prometheus");
        AuthenticationFilter bearer = new AuthenticationFilter(new ProviderManager(token), ManagementToken::presented);
        // what is open stays open whatever credential comes with it (a scraper's stale token)
        bearer.setRequestMatcher(new NegatedRequestMatcher(open));
        bearer.setSuccessHandler((request, response, authentication) -> {
            // on to the endpoint (the chain goes on after this handler)
        });
        bearer.setFailureHandler(new AuthenticationEntryPointFailureHandler(ManagementToken.CHALLENGE));
        return http.securityMatcher(EndpointRequest.toAnyEndpoint())
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers(open).permitAll()
                        .anyRequest().authenticated())
                .addFilterBefore(bearer, AuthorizationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(ManagementToken.CHALLENGE))
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .build();
    }
}
