package dev.nightshift.observability.management;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param token the bearer token for the management endpoints other than health and prometheus, among them
 *              {@code POST /actuator/deadletters/{sink}} (env NIGHTSHIFT_MANAGEMENT_TOKEN); unset, they answer 401 to
 *              everyone
 */
@ConfigurationProperties("nightshift.management")
public record ManagementProperties(String token) {

    public ManagementProperties {
        PlaceholderSecrets.refuse("nightshift.management.token", "NIGHTSHIFT_MANAGEMENT_TOKEN", token);
    }

    public boolean tokenSet() {
        return token != null && !token.isBlank();
    }

    @Override
    public String toString() {
        return "ManagementProperties[token hidden]";
    }
}
