package dev.nightshift.dispatch.gateway;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.common.net.InetAddresses;
import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.budget.PriceTable;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The model gateway from {@code nightshift.dispatch.gateway} and the credentials in dispatch's environment, checked at start-up. */
@Configuration
public class GatewayConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GatewayConfiguration.class);

    /** The variables each provider's credential is read from, in order of preference (an API key wins, as in the CLIs). */
    static final Map<Provider, List<String>> CREDENTIAL_NAMES = Map.of(
            Provider.ANTHROPIC, List.of("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"),
            Provider.OPENAI, List.of("OPENAI_API_KEY", "CODEX_API_KEY"));

    @Bean(destroyMethod = "close")
    ModelGateway modelGateway(DispatchProperties properties, MeterRegistry meters) throws IOException {
        ModelGateway gateway = create(properties, System.getenv(), meters);
        log.info("model gateway: {}", gateway.describe());
        return gateway;
    }

    /** The gateway as dispatch builds it, its credentials read from {@code environment} and the credentials directory. */
    public static ModelGateway create(DispatchProperties properties, Map<String, String> environment, MeterRegistry meters) throws IOException {
        DispatchProperties.Gateway g = properties.gateway();
        Map<Provider, ModelGateway.Upstream> upstreams = new EnumMap<>(Provider.class);
        upstreams.put(Provider.ANTHROPIC, upstream(Provider.ANTHROPIC, checked("anthropic-url", g.anthropicUrl()), g, environment));
        upstreams.put(Provider.OPENAI, upstream(Provider.OPENAI, checked("openai-url", g.openaiUrl()), g, environment));
        return new ModelGateway(upstreams, new ModelGateway.Limits(g.maxRequestBody().toBytes(), g.connectTimeout(), g.firstByteTimeout()),
                new PriceTable(properties.prices()), meters);
    }

    private static ModelGateway.Upstream upstream(Provider provider, URI url, DispatchProperties.Gateway g, Map<String, String> environment)
            throws IOException {
        List<String> names = CREDENTIAL_NAMES.get(provider);
        Optional<Credential> credential = Optional.empty();
        for (String name : names) {
            Optional<String[]> found = read(name, g.credentialsDirectory(), environment);
            if (found.isPresent()) {
                String value = found.get()[0];
                String source = found.get()[1];
                credential = Optional.of(name.contains("OAUTH") ? new Credential.OAuthToken(value, source) : new Credential.ApiKey(value, source));
                break;
            }
        }
        return new ModelGateway.Upstream(provider, url, credential, String.join(" or ", names));
    }

    /** The value and where it came from: a file in the credentials directory first (a mounted Secret), then the environment. */
    private static Optional<String[]> read(String name, Path directory, Map<String, String> environment) throws IOException {
        if (directory != null) {
            Path file = directory.resolve(name);
            if (Files.isRegularFile(file)) {
                String value = Files.readString(file).strip();
                if (!value.isEmpty()) {
                    return Optional.of(new String[] {value, file.toString()});
                }
            }
        }
        String value = environment.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(new String[] {value.strip(), "$" + name});
    }

    /** https, or http to a loopback address (a stand-in): a key never crosses a network in the clear. */
    static URI checked(String setting, URI url) {
        String name = "nightshift.dispatch.gateway." + setting;
        if (url == null || url.getHost() == null) {
            throw new IllegalArgumentException(name + " must be an absolute URL such as https://api.example.com, not '" + url + "'");
        }
        if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
            throw new IllegalArgumentException(name + " must be a base URL without user, query or fragment: " + url.getHost());
        }
        boolean loopback = InetAddresses.isInetAddress(url.getHost()) && InetAddresses.forString(url.getHost()).isLoopbackAddress();
        if (!"https".equals(url.getScheme()) && !("http".equals(url.getScheme()) && loopback)) {
            throw new IllegalArgumentException(name + " must be https (http only to a loopback address such as 127.0.0.1), not " + url);
        }
        return url;
    }
}
